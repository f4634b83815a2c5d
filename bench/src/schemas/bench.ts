/**
 * `pnpm bench --schemas`: produce throughput of 1 KiB orders, JSON and protobuf, to a station
 * without a schema and to one with the order's schema attached, each run on a fresh broker
 * started as the Ferry system starts it. Columns `no schema` and `schema`, and their ratio.
 */
import { startBroker } from '@ferry/conformance/broker';
import type { Durability } from '@ferry/node';
import type { FerryTarget } from '../ferry/target.js';
import { type Figure, usageFigures } from '../figures.js';
import { type Params, params } from '../params.js';
import { summarize } from '../percentiles.js';
import { Meter, peakRss } from '../process-stats.js';
import { missed, type RunResult, withTimeout } from '../runs.js';
import type { Ratio } from '../system-table.js';
import { type Encoding, produceOrders, type SchemaOutcome } from './produce.js';

export const SCHEMA_COLUMNS = [
  { name: 'no schema', header: 'no schema' },
  { name: 'schema', header: 'schema attached' },
] as const;

export const SCHEMA_RATIOS: readonly Ratio[] = [
  { label: 'schema/none', of: 'schema', over: 'no schema' },
];

/** The target: with a schema, at least this share of the throughput without. */
export const SCHEMA_TARGET = 0.6;

const ENCODINGS: readonly Encoding[] = ['json', 'protobuf'];
const MB = 1e6;

export interface SchemaBenchmarkOptions {
  quick: boolean;
  durability: Durability;
  profileDir: string | undefined;
  /** Times each run goes, alternating with and without the schema, for medians. */
  repeat: number;
  onResult?: (result: RunResult) => void;
}

export function schemaRunId(encoding: Encoding): string {
  return `${encoding === 'json' ? 'JSON' : 'protobuf'} 1 KiB order`;
}

function schemaFigures(outcome: SchemaOutcome): Figure[] {
  const perSecond = outcome.messages / outcome.seconds;
  const latency = summarize(outcome.latenciesMs);
  const ms = (name: string, value: number): Figure => ({
    name,
    value,
    better: 'lower',
    digits: 3,
  });
  return [
    { name: 'msgs/s', value: perSecond, better: 'higher', digits: 0 },
    { name: 'MB/s', value: (perSecond * outcome.payloadBytes) / MB, better: 'higher', digits: 1 },
    ms('produce p50 ms', latency.p50),
    ms('produce p99 ms', latency.p99),
    ms('produce p99.9 ms', latency.p999),
    { name: 'payload bytes', value: outcome.payloadBytes, better: 'lower', digits: 0 },
  ];
}

async function execute(
  sizes: Params,
  options: SchemaBenchmarkOptions,
  encoding: Encoding,
  schema: boolean,
): Promise<RunResult> {
  const result: RunResult = {
    run: schemaRunId(encoding),
    scenario: 'publish',
    system: schema ? 'schema' : 'no schema',
    pid: undefined,
    figures: [],
    usage: undefined,
    checks: [],
    redeliveries: 0,
    error: undefined,
  };
  const broker = await startBroker(
    options.profileDir === undefined
      ? {}
      : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] },
  );
  try {
    result.pid = broker.pid;
    const target: FerryTarget = {
      url: `ferry://127.0.0.1:${broker.tcpPort}`,
      station: { partitions: 1, durability: options.durability },
    };
    const meter = new Meter(broker.pid);
    const outcome = await withTimeout(
      produceOrders(target, sizes.schemas, meter, { encoding, schema }),
      sizes.runTimeoutMs,
      `${result.run} (${result.system})`,
    );
    if (meter.usage === undefined) throw new Error('the run never stopped its meter');
    result.usage = {
      ...meter.usage,
      brokerPeakRssBytes: peakRss([{ role: 'broker', pid: broker.pid }]).bytes,
    };
    result.figures = [...schemaFigures(outcome), ...usageFigures(result.usage, outcome.messages)];
    result.checks = outcome.checks;
    result.error = missed(outcome.checks);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await broker.stop();
  }
  return result;
}

/** Every run, JSON then protobuf, each `repeat` times without and with the schema, alternating. */
export async function runSchemaBenchmark(
  options: SchemaBenchmarkOptions,
): Promise<{ params: Params; results: RunResult[] }> {
  const sizes = params(options.quick);
  const results: RunResult[] = [];
  for (const encoding of ENCODINGS) {
    for (let round = 0; round < options.repeat; round += 1) {
      for (const schema of [false, true]) {
        const result = await execute(sizes, options, encoding, schema);
        results.push(result);
        options.onResult?.(result);
      }
    }
  }
  return { params: sizes, results };
}
