/** Every run against every system, one after the other, each on a fresh server. */
import type { Durability } from '@ferry/node';
import {
  CLUSTER_HEADERS,
  ferryOnJetStreamSystem,
  jetStreamClusterSystem,
} from './cluster/systems.js';
import { ferrySystem } from './ferry/system.js';
import { natsSystem } from './nats/system.js';
import type { System } from './outcomes.js';
import { type Params, params, type ScenarioId } from './params.js';
import { execute, type RunResult, runSpecs, spreadRunId } from './runs.js';

export interface BenchmarkOptions {
  quick: boolean;
  only: ScenarioId | undefined;
  /** Also run JetStream (needs nats-server on PATH). */
  nats: boolean;
  /**
   * Instead of the default pair, the systems on a 3-node JetStream cluster: Ferry on JetStream
   * R1 and R3, JetStream R1 and R3 direct, and two Ferry brokers in front of one R3 cluster.
   */
  cluster?: boolean;
  /** With `cluster`: only the systems whose column title (e.g. `Ferry R3`) is listed. */
  systems?: readonly string[];
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
  const systems: System[] =
    options.cluster === true
      ? clusterSystems(sizes, options).filter(
          (system) =>
            options.systems === undefined ||
            options.systems.includes(CLUSTER_HEADERS[system.name] ?? system.name),
        )
      : [
          ferrySystem({ durability: options.durability, profileDir: options.profileDir }),
          ...(options.nats ? [natsSystem] : []),
        ];
  const results: RunResult[] = [];
  for (const spec of runSpecs(sizes, options.only, options.cluster === true)) {
    for (let round = 0; round < options.repeat; round += 1) {
      for (const system of systems) {
        if (system.runs !== undefined && !system.runs.includes(spec.id)) continue;
        const result = await execute(spec, system, sizes.runTimeoutMs);
        results.push(result);
        options.onResult?.(result);
      }
    }
  }
  return { params: sizes, results };
}

/** The `--jetstream-cluster` systems, in the order of the table's columns. */
export function clusterSystems(
  sizes: Params,
  options: Pick<BenchmarkOptions, 'profileDir'>,
): System[] {
  const ferry = (replicas: 1 | 3, brokers: 1 | 2) =>
    ferryOnJetStreamSystem({
      replicas,
      brokers,
      spreadRun: spreadRunId(sizes),
      profileDir: options.profileDir,
    });
  return [
    ferry(1, 1),
    jetStreamClusterSystem(1),
    ferry(3, 1),
    jetStreamClusterSystem(3),
    ferry(3, 2),
  ];
}
