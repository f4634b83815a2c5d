/**
 * `pnpm bench`: Ferry through the Node SDK against NATS JetStream (when nats-server is on PATH),
 * same machine, same run, same scenarios; prints the comparison with the issue's targets.
 * Exits non-zero only when a run fails (an error, a lost message, a timeout).
 *
 *   pnpm bench [--json] [--quick] [--only publish|consume|latency|fanout] [--no-nats]
 *              [--durability always|interval|never] [--profile-broker <dir>] [--repeat N]
 *              [--jetstream-cluster [--system 'Ferry R3' ...]] [--schemas]
 *              [--mqtt [--mqtt-version 5|3.1.1]]
 *
 * `--jetstream-cluster` runs other systems instead, each on a fresh 3-node JetStream cluster:
 * Ferry on JetStream (R1, R3, and two brokers at R3) against JetStream used directly (R1, R3).
 * `--schemas` runs Ferry alone: 1 KiB orders (JSON, protobuf) produced without and with a schema.
 * `--mqtt` runs MQTT.js against Ferry's MQTT listener and against Mosquitto: QoS 1 publish, fan-out.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Durability } from '@ferry/node';
import { clusterSystems, runBenchmark } from './benchmark.js';
import { CLUSTER_HEADERS, CLUSTER_RATIOS } from './cluster/systems.js';
import { machine } from './machine.js';
import { MQTT_COLUMNS, MQTT_RATIOS, mqttSetup, runMqttBenchmark } from './mqtt/bench.js';
import { MQTT_VERSIONS, type MqttVersion } from './mqtt/params.js';
import { natsServerOnPath, natsServerVersion } from './nats/server.js';
import { SCENARIOS, type ScenarioId, params as scenarioParams } from './params.js';
import { type RunResult, spreadRunId } from './runs.js';
import {
  runSchemaBenchmark,
  SCHEMA_COLUMNS,
  SCHEMA_RATIOS,
  SCHEMA_TARGET,
} from './schemas/bench.js';
import { renderSystemTable, systemRows } from './system-table.js';
import { relativeRows, renderRelative, renderTable, rows } from './table.js';

const DURABILITIES: readonly Durability[] = ['always', 'interval', 'never'];

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-nats': { type: 'boolean', default: false },
    durability: { type: 'string', default: 'always' },
    'profile-broker': { type: 'string' },
    repeat: { type: 'string', default: '1' },
    'jetstream-cluster': { type: 'boolean', default: false },
    system: { type: 'string', multiple: true },
    schemas: { type: 'boolean', default: false },
    mqtt: { type: 'boolean', default: false },
    'mqtt-version': { type: 'string', default: '5' },
  },
});
const cluster = values['jetstream-cluster'];
const schemas = values.schemas;
const mqtt = values.mqtt;
if (schemas && (cluster || values.only !== undefined)) {
  throw new Error('--schemas runs on its own: not with --jetstream-cluster or --only');
}
if (mqtt && (schemas || cluster || values.only !== undefined)) {
  throw new Error('--mqtt runs on its own: not with --schemas, --jetstream-cluster or --only');
}
const mqttVersion = Object.keys(MQTT_VERSIONS).find((key) => key === values['mqtt-version']) as
  | MqttVersion
  | undefined;
if (mqttVersion === undefined) {
  throw new Error(`--mqtt-version takes one of ${Object.keys(MQTT_VERSIONS).join(', ')}`);
}
const only = values.only as ScenarioId | undefined;
if (only !== undefined && !SCENARIOS.includes(only)) {
  throw new Error(`--only takes one of ${SCENARIOS.join(', ')}`);
}
const durability = DURABILITIES.find((value) => value === values.durability);
if (durability === undefined) {
  throw new Error(`--durability takes one of ${DURABILITIES.join(', ')}`);
}
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat takes an integer >= 1');
const nats = !schemas && !mqtt && !values['no-nats'] && natsServerOnPath();
if (cluster && !natsServerOnPath())
  throw new Error('--jetstream-cluster needs nats-server on PATH');
const host = machine(nats || cluster ? natsServerVersion() : undefined);
const args = process.argv.slice(2).join(' ');
const command =
  process.env.npm_lifecycle_event === undefined
    ? `tsx ${relative(process.cwd(), process.argv[1] ?? '')} ${args}`
    : `pnpm ${process.env.npm_lifecycle_event} ${args}`;

function progress(result: RunResult): void {
  const status = result.error === undefined ? 'ok' : `FAILED: ${result.error}`;
  const pid = values['profile-broker'] === undefined ? '' : ` (pid ${result.pid})`;
  process.stderr.write(`${result.run} / ${result.system}${pid}: ${status}\n`);
}

const mqttRun = mqtt
  ? await runMqttBenchmark({
      quick: values.quick,
      version: mqttVersion,
      durability,
      profileDir: values['profile-broker'],
      repeat,
      onResult: progress,
    })
  : undefined;
// The MQTT runs have their own sizes; the scenarios' ones only feed the other modes' setup lines.
const { params, results } = mqttRun
  ? { params: scenarioParams(values.quick), results: mqttRun.results }
  : schemas
    ? await runSchemaBenchmark({
        quick: values.quick,
        durability,
        profileDir: values['profile-broker'],
        repeat,
        onResult: progress,
      })
    : await runBenchmark({
        quick: values.quick,
        only,
        nats,
        cluster,
        ...(values.system === undefined ? {} : { systems: values.system }),
        durability,
        profileDir: values['profile-broker'],
        repeat,
        onResult: progress,
      });
const clusterColumns = clusterSystems(params, { profileDir: undefined }).map((system) => ({
  name: system.name,
  header: CLUSTER_HEADERS[system.name] ?? system.name,
}));
const wideColumns = mqtt ? MQTT_COLUMNS : schemas ? SCHEMA_COLUMNS : clusterColumns;
const wideRatios = mqtt ? MQTT_RATIOS : schemas ? SCHEMA_RATIOS : CLUSTER_RATIOS;
const byColumn = cluster || schemas || mqtt;
const table = byColumn ? [] : rows(results);
const between = byColumn ? [] : relativeRows(table);
const wide = byColumn
  ? systemRows(
      results,
      wideColumns.map((column) => column.name),
      wideRatios,
    )
  : [];
const failures = results.filter((result) => result.error !== undefined);
const clusterSetup = [
  'each system on a fresh 3-node JetStream cluster per run (nats-server processes on loopback, file storage)',
  'Ferry R1/R3: one ferry-broker --storage-engine jetstream --nats-replicas 1|3 in front of it, stations of 1 partition (durability replicated), driven through the Node SDK',
  'JS R1/R3: the cluster used directly through @nats-io/jetstream, streams of 1|3 replicas, durable pull consumers, explicit acks',
  `Ferry R3 2 brokers: two brokers (same --nats-prefix) in front of one R3 cluster, the ${params.spread.producers} producers of '${spreadRunId(params)}' split over both; that run only`,
  'server CPU % and peak RSS sum every server process (brokers + 3 nats-servers); broker/nats rows split them',
];
const schemaSetup = [
  `Ferry: default broker (embedded file engine), a fresh one per run, a station of 1 partition, durability ${durability}${durability === 'always' ? ' (fdatasync before the ack)' : ''}`,
  `1 producer through the Node SDK with its codec (codecs.json(), @ferry/codecs codecs.protobuf()), at most ${params.schemas.window} produce calls awaiting their ack, ${params.schemas.messages} orders or ${params.schemas.maxSeconds} s; ${params.schemas.distinct} distinct orders made ahead`,
  "schema: the order's JSON Schema or protobuf message attached (mode reject); produce latency from the call to its ack",
  `target: with the schema at least ${SCHEMA_TARGET}x the msgs/s without`,
];
const setup = mqttRun
  ? mqttSetup(mqttRun.params, durability)
  : schemas
    ? schemaSetup
    : cluster
      ? clusterSetup
      : [
          `Ferry: default broker, stations of 1 partition, durability ${durability}${durability === 'always' ? ' (fdatasync before the ack)' : ''}`,
          nats
            ? 'JetStream: nats-server -js defaults, file storage, 1 replica, durable pull consumers, explicit acks'
            : 'JetStream: not run (nats-server not on PATH, or --no-nats)',
        ];

if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ machine: host, command: command.trim(), setup, params: mqttRun?.params ?? params, rows: byColumn ? wide : table, between, runs: results }, null, 2)}\n`,
  );
} else {
  const ram = `${host.ramGiB.toFixed(1)} GiB RAM`;
  const lines = [
    `machine: ${host.cpu}, ${host.cores} cores, ${ram}, Node ${host.node}${host.natsServer === undefined ? '' : `, ${host.natsServer}`}, load average ${host.loadAverage.toFixed(2)} at the start`,
    `command: ${command.trim()}`,
    ...setup,
    ...(repeat > 1 ? [`each run ${repeat} times per system, alternating: medians`] : []),
    '',
    byColumn ? renderSystemTable(wide, wideColumns, wideRatios) : renderTable(table),
    ...(schemas ? ['', ...schemaTargets()] : []),
    ...(between.length === 0 ? [] : ['', ...renderRelative(between)]),
  ];
  function schemaTargets(): string[] {
    return wide
      .filter((row) => row.figure === 'msgs/s')
      .map((row) => {
        const ratio = row.ratios[SCHEMA_RATIOS[0]?.label ?? ''];
        const met = ratio === undefined ? 'no figure' : ratio >= SCHEMA_TARGET ? 'met' : 'MISSED';
        return `${row.run}: schema/none msgs/s ${ratio === undefined ? '-' : `${ratio.toFixed(2)}x`} (target >= ${SCHEMA_TARGET}x): ${met}`;
      });
  }
  const redelivered = results.filter((result) => result.redeliveries > 0);
  for (const result of redelivered) {
    lines.push(`note: ${result.run} / ${result.system} saw ${result.redeliveries} redeliveries`);
  }
  for (const failure of failures) {
    lines.push(`FAILED ${failure.run} / ${failure.system}: ${failure.error}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
// Clients of a failed run may still be retrying; the figures are out, so leave now.
process.exit(failures.length === 0 ? 0 : 1);
