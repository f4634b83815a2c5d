/** The targets: Ferry's figure over JetStream's, at least or at most this. */
export interface Target {
  run: string;
  figure: string;
  /** `>=` for a throughput, `<=` for a latency (lower is better). */
  op: '>=' | '<=';
  ratio: number;
}

export const TARGETS: readonly Target[] = [
  { run: 'publish 128 B', figure: 'msgs/s', op: '>=', ratio: 2.0 },
  { run: 'publish 1 KiB', figure: 'msgs/s', op: '>=', ratio: 2.0 },
  { run: 'consume', figure: 'msgs/s', op: '>=', ratio: 1.8 },
  // Through the documented API, as the README tunes a consumer for throughput.
  { run: 'consume handler wide', figure: 'msgs/s', op: '>=', ratio: 1.8 },
  { run: 'latency', figure: 'p99 ms', op: '<=', ratio: 0.5 },
  { run: 'latency handler', figure: 'p50 ms', op: '<=', ratio: 1.0 },
  { run: 'latency handler', figure: 'p99 ms', op: '<=', ratio: 0.5 },
  { run: 'latency handler', figure: 'server CPU %', op: '<=', ratio: 1.0 },
  { run: 'fanout', figure: 'deliveries/s', op: '>=', ratio: 2.0 },
  { run: 'fanout handler', figure: 'deliveries/s', op: '>=', ratio: 2.0 },
];

export function targetFor(run: string, figure: string): Target | undefined {
  return TARGETS.find((target) => target.run === run && target.figure === figure);
}

export function met(target: Target, ratio: number): boolean {
  return target.op === '>=' ? ratio >= target.ratio : ratio <= target.ratio;
}

/** A target between two runs of Ferry: `run`'s figure over `of`'s, at least `ratio`. */
export interface RelativeTarget {
  run: string;
  of: string;
  figure: string;
  ratio: number;
}

export const RELATIVE_TARGETS: readonly RelativeTarget[] = [
  // Handler mode with default options keeps up with a tuned loop (CLIENT-3).
  { run: 'consume handler', of: 'consume', figure: 'msgs/s', ratio: 0.5 },
];
