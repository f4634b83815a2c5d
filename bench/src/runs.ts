/**
 * The benchmark's runs (one per table section: each payload size of publish is its own run) and
 * how one run goes against one system: a fresh server, the scenario within a time limit, the
 * server's resources, and the checks that every message was accounted for.
 */
import {
  consumeFigures,
  type Figure,
  fanoutFigures,
  latencyFigures,
  publishFigures,
  usageFigures,
} from './figures.js';
import { latencyTotal } from './latency-samples.js';
import type { Check, Server, System } from './outcomes.js';
import type { Params, ScenarioId } from './params.js';
import { Meter, peakRss, type Usage } from './process-stats.js';

interface Executed {
  figures: Figure[];
  checks: Check[];
  redeliveries: number;
  /** What the timed part moved, for CPU per message: messages, or deliveries in a fan-out. */
  messages: number;
}

export interface RunSpec {
  /** e.g. `publish 128 B`. */
  id: string;
  scenario: ScenarioId;
  /** Only with `--jetstream-cluster`: the runs its systems add. */
  cluster?: boolean;
  execute(server: Server, meter: Meter): Promise<Executed>;
}

export interface RunResult {
  run: string;
  scenario: ScenarioId;
  system: System['name'];
  /** Of the server process, e.g. to find its CPU profile. */
  pid: number | undefined;
  figures: Figure[];
  usage:
    | (Usage & { brokerPeakRssBytes: number; peakRssBytesByRole?: Record<string, number> })
    | undefined;
  checks: Check[];
  redeliveries: number;
  /** Why the run failed: an error, a timeout or a check that missed. */
  error: string | undefined;
}

function sizeLabel(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** The run of several producers: the id names how many, e.g. `publish 128 B x4 producers`. */
export function spreadRunId(params: Params): string {
  return `publish ${sizeLabel(params.spread.payloadBytes)} x${params.spread.producers} producers`;
}

export function runSpecs(params: Params, only: ScenarioId | undefined, cluster = false): RunSpec[] {
  const specs: RunSpec[] = [
    ...params.publish.map(
      (publish): RunSpec => ({
        id: `publish ${sizeLabel(publish.payloadBytes)}`,
        scenario: 'publish',
        async execute(server, meter) {
          const outcome = await server.publish(publish, meter);
          return {
            figures: publishFigures(outcome),
            checks: outcome.checks,
            redeliveries: 0,
            messages: outcome.messages,
          };
        },
      }),
    ),
    ...(['loop', 'handler', 'handler wide'] as const).map(
      (mode): RunSpec => ({
        id: mode === 'loop' ? 'consume' : `consume ${mode}`,
        scenario: 'consume',
        async execute(server, meter) {
          const outcome = await server.consume(params.consume, meter, mode);
          return { figures: consumeFigures(outcome), ...outcome };
        },
      }),
    ),
    ...(['loop', 'handler'] as const).map(
      (mode): RunSpec => ({
        id: mode === 'loop' ? 'latency' : 'latency handler',
        scenario: 'latency',
        async execute(server, meter) {
          const outcome = await server.latency(params.latency, meter, mode);
          return {
            figures: latencyFigures(outcome),
            ...outcome,
            messages: latencyTotal(params.latency),
          };
        },
      }),
    ),
    ...(['loop', 'handler'] as const).map(
      (mode): RunSpec => ({
        id: mode === 'loop' ? 'fanout' : 'fanout handler',
        scenario: 'fanout',
        async execute(server, meter) {
          const outcome = await server.fanout(params.fanout, meter, mode);
          return { figures: fanoutFigures(outcome), ...outcome, messages: outcome.deliveries };
        },
      }),
    ),
    {
      id: spreadRunId(params),
      scenario: 'publish',
      cluster: true,
      async execute(server, meter) {
        if (server.publishSpread === undefined)
          throw new Error('no publish with several producers');
        const outcome = await server.publishSpread(params.spread, meter);
        return {
          figures: publishFigures(outcome),
          checks: outcome.checks,
          redeliveries: 0,
          messages: outcome.messages,
        };
      },
    },
  ];
  return specs.filter(
    (spec) => (only === undefined || spec.scenario === only) && (cluster || spec.cluster !== true),
  );
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the checks that missed say, or undefined when none did. */
export function missed(checks: readonly Check[]): string | undefined {
  const misses = checks.filter((check) => check.actual !== check.expected);
  if (misses.length === 0) return undefined;
  return misses
    .map(
      (check) =>
        `${check.what}: ${check.actual} (expected ${check.expected})${check.detail === undefined ? '' : `, ${check.detail}`}`,
    )
    .join('; ');
}

/** One run against one system; a failure is reported in the result, not thrown. */
export async function execute(
  spec: RunSpec,
  system: System,
  timeoutMs: number,
): Promise<RunResult> {
  const result: RunResult = {
    run: spec.id,
    scenario: spec.scenario,
    system: system.name,
    pid: undefined,
    figures: [],
    usage: undefined,
    checks: [],
    redeliveries: 0,
    error: undefined,
  };
  let server: Server | undefined;
  try {
    server = await system.start();
    result.pid = server.pid;
    const processes = server.processes ?? [{ role: 'server', pid: server.pid }];
    const meter = new Meter(processes);
    const executed = await withTimeout(
      spec.execute(server, meter),
      timeoutMs,
      `${spec.id} against ${system.name}`,
    );
    if (meter.usage === undefined) throw new Error('the scenario never stopped its meter');
    // A fresh server per run, so its high-water mark is this run's (set-up included).
    const rss = peakRss(processes);
    result.usage = {
      ...meter.usage,
      brokerPeakRssBytes: rss.bytes,
      ...(rss.byRole === undefined ? {} : { peakRssBytesByRole: rss.byRole }),
    };
    result.figures = [...executed.figures, ...usageFigures(result.usage, executed.messages)];
    result.checks = executed.checks;
    result.redeliveries = executed.redeliveries;
    result.error = missed(executed.checks);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await server?.stop();
  }
  return result;
}
