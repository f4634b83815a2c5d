/** What a scenario driver reports, the same for every system, and the server it runs against. */
import type {
  ConsumeParams,
  FanoutParams,
  LatencyParams,
  PublishParams,
  SpreadParams,
} from './params.js';
import type { Meter } from './process-stats.js';

/** A count the run must get exactly; a mismatch fails the run (a lost or failed message). */
export interface Check {
  what: string;
  expected: number;
  actual: number;
  /** Why it may have missed, e.g. the first error. */
  detail?: string;
}

export interface PublishOutcome {
  messages: number;
  payloadBytes: number;
  seconds: number;
  checks: Check[];
}

/**
 * How scenario b consumes: `loop` iterates with the bench's prefetch and ack window; `handler`
 * is each client's callback API with its default settings; `handler wide` is the callback API
 * as the README tunes it for throughput (Ferry: `concurrency` and `prefetch` 1,000; JetStream:
 * `max_messages` 1,000, its callbacks being one at a time).
 */
export type ConsumeMode = 'loop' | 'handler' | 'handler wide';

/** How the latency and fan-out consumers take messages: the bench's loop, or handler mode with defaults. */
export type ReadMode = 'loop' | 'handler';

export interface ConsumeOutcome {
  messages: number;
  /** Messages delivered again after their first delivery (informational). */
  redeliveries: number;
  seconds: number;
  checks: Check[];
}

export interface LatencyOutcome {
  /** End-to-end latency in ms of each message produced after the warm-up. */
  latenciesMs: Float64Array;
  redeliveries: number;
  checks: Check[];
}

export interface FanoutOutcome {
  /** First deliveries, summed over the groups. */
  deliveries: number;
  redeliveries: number;
  seconds: number;
  checks: Check[];
}

/** A process on the server side, metered on its own under its role (e.g. `broker`, `nats`). */
export interface ServerProcess {
  role: string;
  pid: number;
}

/** One fresh server (a process, or a broker with a cluster behind it), and the scenario drivers bound to it. */
export interface Server {
  /** The main process (the broker, or the first nats-server): the one whose profile progress names. */
  pid: number;
  /** Every server-side process when there are several; the CPU and RSS figures sum them. */
  processes?: readonly ServerProcess[];
  publish(params: PublishParams, meter: Meter): Promise<PublishOutcome>;
  consume(params: ConsumeParams, meter: Meter, mode: ConsumeMode): Promise<ConsumeOutcome>;
  latency(params: LatencyParams, meter: Meter, mode: ReadMode): Promise<LatencyOutcome>;
  fanout(params: FanoutParams, meter: Meter, mode: ReadMode): Promise<FanoutOutcome>;
  /** Scenario a with several producers; only the systems of `--jetstream-cluster` have it. */
  publishSpread?(params: SpreadParams, meter: Meter): Promise<PublishOutcome>;
  stop(): Promise<void>;
}

export interface System {
  /** `Ferry` and `JetStream` are the default comparison; `--jetstream-cluster` adds others. */
  name: string;
  /** The runs (ids) this system takes part in; all when absent. */
  runs?: readonly string[];
  start(): Promise<Server>;
}
