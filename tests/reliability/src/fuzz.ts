/**
 * Decoder fuzz: fast-check feeds every frame decoder (decodeFrame, hence every frame type's
 * reader, the directional decodeClientFrame and decodeServerFrame, frameFromWire on decoded
 * values, and the FrameReader that splits TCP streams)
 * arbitrary bytes, mutated valid and invalid vectors, structurally mutated frames, truncated
 * streams and random chunkings, for a fixed time. Nothing but a ProtocolError may escape,
 * the FrameReader must return exactly the frames it was given, and the slowest input is timed.
 */
import fc from 'fast-check';
import { type Target, targets } from './fuzz-targets.js';
import type { Report, RunOptions } from './report.js';

/** Re-timing an input that looked slow filters out a GC pause or a JIT compile. */
const RETIME_OVER_MS = 1;
const FULL_SLOWEST_BOUND_MS = 50;

interface Slowest {
  ms: number;
  target: string;
  bytes: number;
}

function timed<T>(target: Target<T>, input: T, slowest: Slowest): void {
  let ms = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    target.check(input);
    ms = Math.min(ms, performance.now() - started);
    if (ms <= RETIME_OVER_MS) break;
  }
  if (ms > slowest.ms)
    Object.assign(slowest, { ms, target: target.name, bytes: target.size(input) });
}

export async function run(options: RunOptions): Promise<Report> {
  const budgetMs = options.full ? 120_000 : 10_000;
  const slowest: Slowest = { ms: 0, target: '', bytes: 0 };
  const figures: Record<string, number | string> = {};
  const failures: string[] = [];
  let inputs = 0;
  for (const target of targets as Target<unknown>[]) {
    let runs = 0;
    try {
      fc.assert(
        fc.property(target.input, (input) => {
          runs++;
          timed(target, input, slowest);
        }),
        {
          seed: options.seed,
          numRuns: Number.MAX_SAFE_INTEGER,
          plugins: [fc.interruptAfterTimeLimit(budgetMs * target.share)],
        },
      );
    } catch (error) {
      // fast-check's message holds the shrunk counterexample and the seed; its cause, the error.
      const cause = String((error as { cause?: unknown }).cause);
      failures.push(`${target.name}: ${cause}\n${String(error).slice(0, 1500)}`);
    }
    figures[`${target.name}Inputs`] = runs;
    inputs += runs;
    options.log(`fuzz: ${target.name}, ${runs} inputs`);
  }
  if (options.full && slowest.ms > FULL_SLOWEST_BOUND_MS)
    failures.push(
      `the slowest input took ${slowest.ms.toFixed(1)} ms (bound ${FULL_SLOWEST_BOUND_MS})`,
    );
  return {
    name: 'fuzz',
    figures: {
      seconds: budgetMs / 1000,
      inputs,
      ...figures,
      slowestMs: Math.round(slowest.ms * 100) / 100,
      slowestInput: `${slowest.target}, ${slowest.bytes} bytes`,
    },
    failures,
  };
}
