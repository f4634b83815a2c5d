/**
 * `pnpm bench --mqtt`: MQTT.js against Ferry's MQTT listener and against Mosquitto, each run on
 * a fresh broker: QoS 1 publish (128 B and 1 KiB) and a fan-out to 4 subscribers. Columns
 * `Ferry` and `Mosquitto`, and their ratio.
 */
import type { Durability } from '@ferry/node';
import { type Figure, usageFigures } from '../figures.js';
import { summarize } from '../percentiles.js';
import { Meter, peakRss } from '../process-stats.js';
import { missed, type RunResult, withTimeout } from '../runs.js';
import type { Ratio } from '../system-table.js';
import type { MqttBroker } from './broker.js';
import { fanoutQos1 } from './fanout.js';
import { startFerryMqtt } from './ferry-broker.js';
import { mosquittoVersion, startMosquitto } from './mosquitto.js';
import { type MqttParams, type MqttVersion, mqttParams } from './params.js';
import { type MqttPublishOutcome, publishQos1, TOPIC } from './publish.js';

export const MQTT_COLUMNS = [
  { name: 'Ferry', header: 'Ferry' },
  { name: 'Mosquitto', header: 'Mosquitto' },
] as const;

export const MQTT_RATIOS: readonly Ratio[] = [
  { label: 'Ferry/Mosquitto', of: 'Ferry', over: 'Mosquitto' },
];

type SystemName = (typeof MQTT_COLUMNS)[number]['name'];

const MB = 1e6;

export interface MqttBenchmarkOptions {
  quick: boolean;
  version: MqttVersion;
  /** Of Ferry's station; Mosquitto has no such setting (see the setup lines). */
  durability: Durability;
  profileDir: string | undefined;
  /** Times each run goes, alternating Ferry and Mosquitto, for medians. */
  repeat: number;
  onResult?: (result: RunResult) => void;
}

interface MqttRun {
  id: string;
  scenario: RunResult['scenario'];
  /** Figures, checks and what the timed part moved (messages, or deliveries in the fan-out). */
  execute(
    broker: MqttBroker,
    meter: Meter,
  ): Promise<{
    figures: Figure[];
    checks: RunResult['checks'];
    moved: number;
    redeliveries: number;
  }>;
}

function sizeLabel(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

function publishFigures(outcome: MqttPublishOutcome): Figure[] {
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
    ms('PUBACK p50 ms', latency.p50),
    ms('PUBACK p99 ms', latency.p99),
    ms('PUBACK p99.9 ms', latency.p999),
    { name: 'publishes in flight', value: outcome.window, better: 'higher', digits: 0 },
  ];
}

function mqttRuns(params: MqttParams): MqttRun[] {
  const { fanout } = params;
  return [
    ...params.publish.map(
      (publish): MqttRun => ({
        id: `QoS 1 publish ${sizeLabel(publish.payloadBytes)}`,
        scenario: 'publish',
        async execute(broker, meter) {
          const outcome = await publishQos1(broker, publish, params.version, meter);
          return {
            figures: publishFigures(outcome),
            checks: outcome.checks,
            moved: outcome.messages,
            redeliveries: 0,
          };
        },
      }),
    ),
    {
      id: `fan-out ${fanout.subscribers} subscribers ${sizeLabel(fanout.payloadBytes)}`,
      scenario: 'fanout',
      async execute(broker, meter) {
        const outcome = await fanoutQos1(broker, fanout, params.version, meter);
        return {
          figures: [
            {
              name: 'deliveries/s',
              value: outcome.deliveries / outcome.seconds,
              better: 'higher',
              digits: 0,
            },
          ],
          checks: outcome.checks,
          moved: outcome.deliveries,
          redeliveries: outcome.redeliveries,
        };
      },
    },
  ];
}

async function execute(
  run: MqttRun,
  system: SystemName,
  params: MqttParams,
  options: MqttBenchmarkOptions,
): Promise<RunResult> {
  const result: RunResult = {
    run: run.id,
    scenario: run.scenario,
    system,
    pid: undefined,
    figures: [],
    usage: undefined,
    checks: [],
    redeliveries: 0,
    error: undefined,
  };
  let broker: MqttBroker | undefined;
  try {
    broker =
      system === 'Ferry'
        ? await startFerryMqtt({ durability: options.durability, profileDir: options.profileDir })
        : await startMosquitto();
    result.pid = broker.pid;
    const meter = new Meter(broker.pid);
    const executed = await withTimeout(
      run.execute(broker, meter),
      params.runTimeoutMs,
      `${run.id} against ${system}`,
    );
    if (meter.usage === undefined) throw new Error('the run never stopped its meter');
    // A fresh broker per run, so its high-water mark is this run's (set-up included).
    result.usage = {
      ...meter.usage,
      brokerPeakRssBytes: peakRss([{ role: 'broker', pid: broker.pid }]).bytes,
    };
    result.figures = [...executed.figures, ...usageFigures(result.usage, executed.moved)];
    result.checks = executed.checks;
    result.redeliveries = executed.redeliveries;
    result.error = missed(executed.checks);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await broker?.stop();
  }
  return result;
}

/** Every run, each `repeat` times against Ferry then Mosquitto, alternating. */
export async function runMqttBenchmark(
  options: MqttBenchmarkOptions,
): Promise<{ params: MqttParams; results: RunResult[] }> {
  const params = mqttParams(options.quick, options.version);
  const results: RunResult[] = [];
  for (const run of mqttRuns(params)) {
    for (let round = 0; round < options.repeat; round += 1) {
      for (const { name } of MQTT_COLUMNS) {
        const result = await execute(run, name, params, options);
        results.push(result);
        options.onResult?.(result);
      }
    }
  }
  return { params, results };
}

/** What the runs compare, printed above the table. */
export function mqttSetup(params: MqttParams, durability: Durability): string[] {
  const [publish] = params.publish;
  const { fanout } = params;
  const ferryDurability =
    durability === 'always'
      ? 'Ferry fdatasyncs before the PUBACK (durability always)'
      : `Ferry runs with durability ${durability}: no fsync before the PUBACK either`;
  return [
    `client: MQTT.js, MQTT ${params.version} (protocol level ${params.version === '5' ? 5 : 4}), clean sessions, one connection per client, all on 127.0.0.1`,
    `Ferry: default broker (embedded file engine) with --mqtt true, a fresh one per run; topic ${TOPIC} goes to the station bench (1 partition, durability ${durability})`,
    `Mosquitto: ${mosquittoVersion()}, a fresh one per run: listener on 127.0.0.1, allow_anonymous true, persistence true, max_queued_messages 0 (no limit: its default 1000 drops QoS 1 messages to a subscriber that far behind), its defaults otherwise (max_inflight_messages 20, which it sends MQTT 5 clients as Receive Maximum)`,
    `durability differs: Mosquitto writes its in-memory db to disk every autosave_interval (1800 s) and on exit, so its PUBACK comes with nothing on disk and no fsync; ${ferryDurability}`,
    `QoS 1 publish: 1 publisher, at most ${publish?.window ?? '-'} publishes awaiting their PUBACK (MQTT 5: at most the broker's Receive Maximum from its CONNACK, see 'publishes in flight'), ${publish?.messages ?? '-'} messages or ${publish?.maxSeconds ?? '-'} s; latency from publishAsync() to its PUBACK`,
    `fan-out: ${fanout.subscribers} subscribers on bench/# at QoS 1, then 1 QoS 1 publisher (the same window) of ${fanout.messages} x ${fanout.payloadBytes} B; deliveries/s: all ${fanout.subscribers * fanout.messages} over first publish to last delivery`,
  ];
}
