/**
 * The healthy clients of the hostile scenario: producers (the Node SDK) that send at a steady
 * rate with msgIds, each awaiting its acks with a bounded window, as a well-behaved application
 * does (one that produces readings in real time skips those it could not send in time), and one
 * consumer group that acks everything. Every produce and delivery goes into a
 * history for the checker; produce latencies and acks are kept per phase (baseline, attack).
 */
import type { Client, Consumer } from '@ferry/node';
import type { Event } from '../checker.js';
import { sleep } from '../time.js';
import { Tally } from './attack.js';

export interface HealthyLoadOptions {
  /** Opens one more authenticated client. */
  open: () => Promise<Client>;
  station: string;
  group: string;
  producers: number;
  /** All producers together. */
  perSecond: number;
  /** Produces awaiting their ack, per producer: a stalled broker shows as a throughput drop. */
  window: number;
  payloadBytes: number;
}

export interface HealthyLoad {
  readonly history: Event[];
  /** Acknowledged and not yet received by the group. */
  readonly missing: Set<string>;
  readonly produceErrors: Tally;
  /** Produce latencies (ms, call to ack) are counted under the phase they were sent in, acks under the one they came in. */
  setPhase(phase: string): void;
  latencies(phase: string): number[];
  /** Acks that arrived while the phase ran. */
  ackedDuring(phase: string): number;
  /** The longest time without any ack while the phase ran, in ms. */
  longestAckGap(phase: string): number;
  /** Sends skipped because the window was still full when they were due. */
  skipped(): number;
  /** Stops sending and waits for the produces in flight (bounded by the request timeout). */
  stopProducing(): Promise<void>;
  stopConsuming(): Promise<void>;
}

export async function startHealthyLoad(options: HealthyLoadOptions): Promise<HealthyLoad> {
  const history: Event[] = [];
  const missing = new Set<string>();
  const received = new Set<string>();
  const produceErrors = new Tally();
  const latencies = new Map<string, number[]>();
  const acked = new Map<string, number>();
  const gaps = new Map<string, number>();
  let lastAckAt = performance.now();
  let skipped = 0;
  let phase = 'warm-up';
  let stopping = false;

  const consumerClient = await options.open();
  const consumer: Consumer = await consumerClient.consume(options.station, {
    group: options.group,
    start: 'earliest',
    prefetch: 256,
    concurrency: 64,
    handler: (message) => {
      const id = message.msgId ?? '';
      history.push({
        kind: 'receive',
        id,
        partition: message.partition,
        offset: message.offset,
        deliveryCount: message.deliveryCount,
        stream: String(message.session),
      });
      received.add(id);
      missing.delete(id);
    },
  });

  const filler = new Uint8Array(options.payloadBytes).fill(0x2e);
  const intervalMs = (1000 * options.producers) / options.perSecond;
  const produce = async (client: Client, p: number) => {
    const producer = client.producer(options.station, { lingerMs: 0 });
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    for (let i = 0; !stopping; i++) {
      const due = started + i * intervalMs;
      if (due > performance.now()) await sleep(due - performance.now());
      while (inFlight.size >= options.window) await Promise.race(inFlight);
      if (stopping) break;
      // A slot missed while the window was full is skipped, not made up in a burst: what a
      // stalled broker did not serve in time shows as a drop in throughput.
      const now = Math.floor((performance.now() - started) / intervalMs);
      if (now > i) {
        skipped += now - i;
        i = now;
      }
      const id = `h${p}-${i}`;
      const sentIn = phase;
      const sentAt = performance.now();
      history.push({ kind: 'attempt', id });
      const sent: Promise<void> = producer.produce(filler, { msgId: id, key: `k${i % 64}` }).then(
        (ack) => {
          history.push({ kind: 'ack', id, partition: ack.partition, offset: ack.offset });
          if (!received.has(id)) missing.add(id);
          const list = latencies.get(sentIn) ?? [];
          latencies.set(sentIn, list);
          list.push(performance.now() - sentAt);
          acked.set(phase, (acked.get(phase) ?? 0) + 1);
          const now = performance.now();
          gaps.set(phase, Math.max(gaps.get(phase) ?? 0, now - lastAckAt));
          lastAckAt = now;
        },
        (error: { code?: string }) => produceErrors.add(error.code ?? String(error)),
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
    await Promise.all(inFlight);
  };
  const producerClients = await Promise.all(
    Array.from({ length: options.producers }, options.open),
  );
  const producing = Promise.all(producerClients.map((client, p) => produce(client, p)));

  return {
    history,
    missing,
    produceErrors,
    setPhase: (next) => {
      phase = next;
    },
    latencies: (of) => latencies.get(of) ?? [],
    ackedDuring: (of) => acked.get(of) ?? 0,
    longestAckGap: (of) => gaps.get(of) ?? 0,
    skipped: () => skipped,
    async stopProducing() {
      stopping = true;
      await producing;
    },
    stopConsuming: () => consumer.stop(),
  };
}
