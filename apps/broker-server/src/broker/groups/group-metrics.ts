/**
 * What consumer groups count, per station and group: messages and payload bytes delivered,
 * redeliveries, settlements by outcome, and the time from append to first delivery. Counted once
 * per deliver batch or settlement, with each group's label objects made once.
 */
import type { DeliveredMessage } from '@ferry/protocol';
import type { Counter, Histogram, Labels, Metrics } from '../../metrics.js';

const LABELS = ['station', 'group'] as const;

/** From a millisecond up to an hour: a backlog can keep a message waiting that long. */
const DELIVERY_LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300, 3600,
];

export class GroupMetrics {
  private readonly deliveredTotal: Counter;
  private readonly deliveredBytes: Counter;
  private readonly redeliveredTotal: Counter;
  private readonly settledTotal: Counter;
  private readonly deadLetteredTotal: Counter;
  private readonly latency: Histogram;
  private readonly pushRequests: Counter;

  constructor(private readonly metrics: Metrics) {
    this.deliveredTotal = metrics.counter('ferry_messages_delivered_total', {
      help: 'Messages delivered to group members, redeliveries included',
      labelNames: LABELS,
    });
    this.deliveredBytes = metrics.counter('ferry_delivered_bytes_total', {
      help: 'Payload bytes delivered to group members, redeliveries included',
      labelNames: LABELS,
    });
    this.redeliveredTotal = metrics.counter('ferry_messages_redelivered_total', {
      help: 'Deliveries after the first of a message (nacked, timed out, or its member left)',
      labelNames: LABELS,
    });
    this.settledTotal = metrics.counter('ferry_messages_settled_total', {
      help: 'Messages members settled, by how (ack, nack, deadLetter); the broker dead-lettering after maxDeliveries is not a settlement',
      labelNames: [...LABELS, 'outcome'],
    });
    this.deadLetteredTotal = metrics.counter('ferry_messages_dead_lettered_total', {
      help: 'Messages the broker gave up on after maxDeliveries (a nack, an ack timeout, or their member leaving): moved to the dead-letter store, or dropped when the station keeps none; a member dead-lettering one is a settlement',
      labelNames: LABELS,
    });
    this.latency = metrics.histogram('ferry_delivery_latency_seconds', {
      help: 'Time from append to first delivery (the deliver frame queued to the member), once per deliver frame for its oldest first delivery',
      buckets: DELIVERY_LATENCY_BUCKETS,
    });
    this.pushRequests = metrics.counter('ferry_push_requests_total', {
      help: "Requests to groups' push endpoints by outcome: ok (2xx), deadLetter (another 4xx), retry (an answer to retry), timeout, error (no answer) [GROUP-6]",
      labelNames: [...LABELS, 'outcome'],
    });
  }

  /** Counts one group's push requests by outcome, with its labels made once per outcome. */
  pushed(station: string, group: string): (outcome: string) => void {
    const labels = new Map<string, Labels>();
    return (outcome) => {
      let l = labels.get(outcome);
      if (l === undefined) {
        l = { station, group, outcome };
        labels.set(outcome, l);
      }
      this.pushRequests.inc(l);
    };
  }

  /** The instruments of one group, with its labels made once. */
  of(station: string, group: string): OneGroupMetrics {
    const labels: Labels = { station, group };
    const settled = (outcome: string): Labels => ({ station, group, outcome });
    const outcomes = {
      ack: settled('ack'),
      nack: settled('nack'),
      deadLetter: settled('deadLetter'),
    };
    return {
      delivered: (messages) => {
        let bytes = 0;
        let redelivered = 0;
        let oldest = Number.POSITIVE_INFINITY;
        for (const m of messages) {
          bytes += m.payload.length;
          if (m.deliveryCount > 1) redelivered++;
          else if (m.timestamp < oldest) oldest = m.timestamp;
        }
        this.deliveredTotal.inc(labels, messages.length);
        this.deliveredBytes.inc(labels, bytes);
        if (redelivered > 0) this.redeliveredTotal.inc(labels, redelivered);
        if (oldest !== Number.POSITIVE_INFINITY)
          this.latency.observe(undefined, Math.max(0, Date.now() - oldest) / 1000);
      },
      settled: (outcome, n) => {
        if (n > 0) this.settledTotal.inc(outcomes[outcome], n);
      },
      deadLettered: (n) => this.deadLetteredTotal.inc(labels, n),
    };
  }

  /** Drops a deleted group's series, or (without a group) a deleted station's, produce counts included. */
  forget(station: string, group?: string): void {
    this.metrics.forget(group === undefined ? { station } : { station, group });
  }
}

export interface OneGroupMetrics {
  /** One deliver frame's messages, handed to a member. */
  delivered(messages: readonly DeliveredMessage[]): void;
  settled(outcome: 'ack' | 'nack' | 'deadLetter', n: number): void;
  /** Messages the broker dead-lettered after maxDeliveries. */
  deadLettered(n: number): void;
}
