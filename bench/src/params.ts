/** Scenario sizes: the full benchmark, and the few-seconds smoke run of `--quick`. */
export const SCENARIOS = ['publish', 'consume', 'latency', 'fanout'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export interface PublishParams {
  payloadBytes: number;
  messages: number;
  maxSeconds: number;
  /** Produce calls awaiting their ack at most. */
  window: number;
}

export interface ConsumeParams {
  messages: number;
  payloadBytes: number;
  prefetch: number;
  /** Handlers running at once in `handler wide` mode. */
  concurrency: number;
  /** Acks sent and not yet confirmed at most. */
  ackWindow: number;
  /** Produce window while the backlog is written (not timed). */
  window: number;
}

export interface LatencyParams {
  ratePerSecond: number;
  seconds: number;
  /** Messages produced in this first part are not sampled. */
  warmupSeconds: number;
  payloadBytes: number;
  prefetch: number;
  ackWindow: number;
}

export interface FanoutParams {
  messages: number;
  groups: number;
  payloadBytes: number;
  window: number;
  prefetch: number;
  ackWindow: number;
}

/** Scenario a with several producers, each with its own window (the `--jetstream-cluster` runs). */
export interface SpreadParams extends PublishParams {
  producers: number;
}

/** The `--schemas` runs: scenario a's producer, with 1 KiB orders through a codec. */
export interface SchemaParams extends PublishParams {
  /** Orders made ahead and produced in turn. */
  distinct: number;
}

export interface Params {
  publish: readonly PublishParams[];
  /** Publish with several producers: one broker against two in front of one cluster. */
  spread: SpreadParams;
  consume: ConsumeParams;
  latency: LatencyParams;
  fanout: FanoutParams;
  schemas: SchemaParams;
  /** A run taking longer fails. */
  runTimeoutMs: number;
}

const KIB = 1024;

export function params(quick: boolean): Params {
  const publish = (payloadBytes: number): PublishParams => ({
    payloadBytes,
    messages: quick ? 5_000 : 200_000,
    maxSeconds: quick ? 2 : 15,
    window: 1_000,
  });
  return {
    publish: [publish(128), publish(KIB)],
    spread: { ...publish(128), producers: 4 },
    consume: {
      messages: quick ? 5_000 : 200_000,
      payloadBytes: 128,
      prefetch: 1_000,
      concurrency: 1_000,
      ackWindow: 1_000,
      window: 1_000,
    },
    latency: {
      ratePerSecond: 5_000,
      seconds: quick ? 1.5 : 10,
      warmupSeconds: quick ? 0.5 : 1,
      payloadBytes: 128,
      prefetch: 1_000,
      ackWindow: 1_000,
    },
    fanout: {
      messages: quick ? 2_000 : 50_000,
      groups: 4,
      payloadBytes: 128,
      window: 1_000,
      prefetch: 1_000,
      ackWindow: 1_000,
    },
    schemas: { ...publish(KIB), distinct: 1_000 },
    runTimeoutMs: quick ? 60_000 : 300_000,
  };
}
