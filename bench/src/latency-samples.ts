/** What the latency scenario samples, the same for both systems. */
import type { LatencyParams } from './params.js';
import { sentAtOf, seqOf } from './payload.js';

/** Messages a latency run produces. */
export function latencyTotal(params: LatencyParams): number {
  return Math.round(params.ratePerSecond * params.seconds);
}

/**
 * End-to-end latency of every message produced after the warm-up, filled in by `onMessage`
 * (each message's first delivery and when the application got it).
 */
export function latencySamples(params: LatencyParams): {
  latencies: Float64Array;
  onMessage: (payload: Uint8Array, receivedAt: number) => void;
} {
  const total = latencyTotal(params);
  const firstSampled = Math.round(params.ratePerSecond * params.warmupSeconds);
  const latencies = new Float64Array(total - firstSampled);
  return {
    latencies,
    onMessage(payload, receivedAt) {
      const seq = seqOf(payload);
      if (seq >= firstSampled && seq < total)
        latencies[seq - firstSampled] = receivedAt - sentAtOf(payload);
    },
  };
}
