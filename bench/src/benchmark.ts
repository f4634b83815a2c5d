/** Every run against every system, one after the other, each on a fresh server. */
import type { Durability } from '@ferry/node';
import { ferrySystem } from './ferry/system.js';
import { natsSystem } from './nats/system.js';
import type { System } from './outcomes.js';
import { type Params, params, type ScenarioId } from './params.js';
import { execute, type RunResult, runSpecs } from './runs.js';

export interface BenchmarkOptions {
  quick: boolean;
  only: ScenarioId | undefined;
  /** Also run JetStream (needs nats-server on PATH). */
  nats: boolean;
  durability: Durability;
  profileDir: string | undefined;
  /** Times each run goes against each system (alternating), for medians on a noisy machine. */
  repeat: number;
  /** Called as each run finishes. */
  onResult?: (result: RunResult) => void;
}

export async function runBenchmark(
  options: BenchmarkOptions,
): Promise<{ params: Params; results: RunResult[] }> {
  const sizes = params(options.quick);
  const systems: System[] = [
    ferrySystem({ durability: options.durability, profileDir: options.profileDir }),
    ...(options.nats ? [natsSystem] : []),
  ];
  const results: RunResult[] = [];
  for (const spec of runSpecs(sizes, options.only)) {
    for (let round = 0; round < options.repeat; round += 1) {
      for (const system of systems) {
        const result = await execute(spec, system, sizes.runTimeoutMs);
        results.push(result);
        options.onResult?.(result);
      }
    }
  }
  return { params: sizes, results };
}
