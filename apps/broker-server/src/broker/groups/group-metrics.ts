/** What consumer groups count: per station and group, messages delivered and how they were settled. */
import type { Counter, Labels, Metrics } from '../../metrics.js';

const LABELS = ['station', 'group'] as const;

export class GroupMetrics {
  private readonly deliveredTotal: Counter;
  private readonly settledTotal: Counter;

  constructor(metrics: Metrics) {
    this.deliveredTotal = metrics.counter('ferry_messages_delivered_total', {
      help: 'Messages delivered to group members, redeliveries included',
      labelNames: LABELS,
    });
    this.settledTotal = metrics.counter('ferry_messages_settled_total', {
      help: 'Messages members settled, by how (ack, nack, deadLetter)',
      labelNames: [...LABELS, 'outcome'],
    });
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
      delivered: (n) => this.deliveredTotal.inc(labels, n),
      settled: (outcome, n) => {
        if (n > 0) this.settledTotal.inc(outcomes[outcome], n);
      },
    };
  }
}

export interface OneGroupMetrics {
  delivered(n: number): void;
  settled(outcome: 'ack' | 'nack' | 'deadLetter', n: number): void;
}
