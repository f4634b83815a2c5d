/**
 * kill -9 cycles over MQTT: QoS 1 publishers (MQTT.js, half 3.1.1, half 5) and two
 * persistent-session subscribers (one 3.1.1, one 5) run while the broker is SIGKILLed at random
 * moments and restarted on the same ports and data directory. MQTT.js reconnects on its own and
 * resends the QoS 1 publishes it holds unacknowledged. Then the subscribers drain, and the
 * checker classifies what each received: no publish the broker acknowledged (PUBACK) may be
 * lost, and nothing may arrive that was never sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@ferry/broker/testing';
import type { BrokerOptions, RunningBroker } from '@ferry/conformance/broker';
import { connect as connectFerry } from '@ferry/node';
import { connect, type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { brokerUrl, launch } from './broker.js';
import { check, type Event, failuresOf } from './checker.js';
import type { Report, RunOptions } from './report.js';
import { sleep, waitUntil, within } from './time.js';

const STATION = 'mk9';
const FILTER = `${STATION}/#`;
const PUBLISHERS = 4;
const PARTITIONS = 4;
// Back quickly after each restart, and also after a refused CONNACK (counted in the errors).
const CLIENT: IClientOptions = {
  reconnectPeriod: 50,
  reconnectOnConnackError: true,
  connectTimeout: 5_000,
  keepalive: 10,
};
const SUBSCRIBERS: Record<string, IClientOptions> = {
  v311: { protocolVersion: 4, clean: false },
  v5: { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3_600 } },
};

/** One persistent session: its connections come and go, what it received stays. */
interface Subscriber {
  name: string;
  options: IClientOptions;
  client?: MqttClient;
  receipts: Event[];
  received: Set<string>;
  /** Acknowledged publishes not received yet: the drain waits until there are none. */
  missing: Set<string>;
  connections: number;
  /** Connections after the first whose CONNACK said the session was gone. */
  sessionsLost: number;
}

/** Starts the broker with MQTT on `mqttPort` (0: any), which its start line reports. */
async function launchMqtt(
  options: BrokerOptions,
  mqttPort = 0,
): Promise<{ broker: RunningBroker; mqttPort: number }> {
  let port = Number.NaN;
  const broker = await launch({
    ...options,
    args: ['--mqtt', 'true', '--mqtt-port', String(mqttPort)],
    onLog: (entry) => {
      if (entry.msg === 'ferry broker listening') port = Number(entry.mqttPort);
    },
  });
  if (!Number.isInteger(port)) {
    await broker.kill();
    throw new Error('the broker did not report an MQTT port: is MQTT built in?');
  }
  return { broker, mqttPort: port };
}

/** A client whose listeners are on before it connects, so no early packet goes unseen. */
function open(url: string, options: IClientOptions, errors: Map<string, number>): MqttClient {
  const client = connect(url, { ...CLIENT, ...options });
  client.on('error', (error) => errors.set(error.message, (errors.get(error.message) ?? 0) + 1));
  return client;
}

/** Resolves on the client's next CONNACK; a broker that never answers fails the run. */
const connected = (client: MqttClient): Promise<IConnackPacket> =>
  within(
    new Promise((resolve) => client.once('connect', resolve)),
    30_000,
    `${client.options.clientId} connecting`,
  );

/** Connects the subscriber's session again (the first time: subscribes, before any publish). */
async function goOnline(
  sub: Subscriber,
  url: string,
  errors: Map<string, number>,
): Promise<MqttClient> {
  const client = open(url, { ...sub.options, clientId: `mk9-${sub.name}` }, errors);
  sub.client = client;
  let stream = '';
  // On the CONNACK itself: the session's queued messages may be handled before `connect` fires.
  client.on('packetreceive', (packet) => {
    if (packet.cmd !== 'connack') return;
    if ((sub.options.protocolVersion === 5 ? packet.reasonCode : packet.returnCode) !== 0) return;
    if (sub.connections > 0 && !packet.sessionPresent) sub.sessionsLost++;
    stream = `${sub.name}.${sub.connections++}`;
  });
  client.on('message', (_topic, payload, packet) => {
    const id = payload.toString();
    // The checker's partition and offset are the publisher and its sequence number here: MQTT
    // shows no position, and one publisher's topic is one partition (the topic is the key).
    const [, publisher, sequence] = /^p(\d+)-(\d+)$/.exec(id) ?? [];
    sub.receipts.push({
      kind: 'receive',
      id,
      partition: Number(publisher ?? -1),
      offset: Number(sequence ?? -1),
      deliveryCount: packet.dup ? 2 : 1,
      stream,
    });
    sub.received.add(id);
    sub.missing.delete(id);
  });
  await connected(client);
  if (sub.connections === 1) {
    const [grant] = await within(client.subscribeAsync(FILTER, { qos: 1 }), 30_000, 'SUBACK');
    if (grant?.qos !== 1) throw new Error(`${sub.name}: ${FILTER} granted ${grant?.qos}`);
  }
  return client;
}

export async function run(options: RunOptions): Promise<Report> {
  const cycles = options.full ? 50 : 6;
  const rng = seededRandom(options.seed);
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-mqtt-kill9-'));
  const history: Event[] = [];
  const clients: MqttClient[] = [];
  const errors = new Map<string, number>();
  let broker: RunningBroker | undefined;
  let stopping = false;
  try {
    const first = await launchMqtt({ dataDir });
    broker = first.broker;
    const restart = { dataDir, tcpPort: broker.tcpPort, httpPort: broker.httpPort };
    const url = `mqtt://127.0.0.1:${first.mqttPort}`;
    // Four partitions, so that the publishers' topics (the keys) spread over them.
    const admin = await connectFerry(brokerUrl(broker));
    await admin.stations.create(STATION, { partitions: PARTITIONS });
    await admin.close();

    const subs: Subscriber[] = Object.entries(SUBSCRIBERS).map(([name, subOptions]) => ({
      name,
      options: subOptions,
      receipts: [],
      received: new Set(),
      missing: new Set(),
      connections: 0,
      sessionsLost: 0,
    }));
    for (const sub of subs) clients.push(await goOnline(sub, url, errors));

    let publishErrors = 0;
    let publishing = PUBLISHERS;
    const publishers = Array.from({ length: PUBLISHERS }, (_, p) =>
      open(url, { protocolVersion: p % 2 === 0 ? 4 : 5, clientId: `mk9-p${p}` }, errors),
    );
    clients.push(...publishers);
    await Promise.all(publishers.map(connected));
    for (const [p, client] of publishers.entries())
      void (async () => {
        for (let i = 0; !stopping; i++) {
          const id = `p${p}-${i}`;
          history.push({ kind: 'attempt', id });
          try {
            // Resolves on the PUBACK, however many reconnections that takes.
            await client.publishAsync(`${STATION}/p${p}`, id, { qos: 1 });
            history.push({ kind: 'ack', id, partition: p, offset: i });
            for (const sub of subs) if (!sub.received.has(id)) sub.missing.add(id);
          } catch {
            publishErrors++; // never sent (its connection closed first): counts as attempted
          }
        }
        publishing--;
      })();

    for (let cycle = 0; cycle < cycles; cycle++) {
      await sleep(300 + rng() * 1_200);
      await broker.kill();
      await sleep(rng() * 200);
      broker = (await launchMqtt(restart, first.mqttPort)).broker;
      // A subscriber away for a while: what is published meanwhile waits in its session.
      const sub = subs[Math.floor(rng() * subs.length)] as Subscriber;
      if (rng() < 0.5) {
        if (sub.client === undefined) clients.push(await goOnline(sub, url, errors));
        else {
          sub.client.end(true);
          sub.client = undefined;
        }
      }
      const inTransit = subs.map((s) => `${s.missing.size} (${s.name})`).join(', ');
      options.log(`mqtt-kill9: cycle ${cycle + 1}/${cycles}, acknowledged in transit ${inTransit}`);
    }
    stopping = true;
    for (const sub of subs)
      if (sub.client === undefined) clients.push(await goOnline(sub, url, errors));
    // A publish still waiting for its PUBACK by then stays attempted, not acknowledged.
    await waitUntil(() => publishing === 0, 20_000);
    const drained = await waitUntil(
      () => subs.every((s) => s.missing.size === 0),
      options.full ? 120_000 : 45_000,
    );

    const figures: Report['figures'] = {
      cycles,
      attempted: history.filter((e) => e.kind === 'attempt').length,
      acked: history.filter((e) => e.kind === 'ack').length,
      publishErrors,
      unresolvedPublishes: publishing,
    };
    const failures: string[] = [];
    for (const sub of subs) {
      const verdict = check([...history, ...sub.receipts]);
      Object.assign(figures, {
        [`${sub.name}.received`]: verdict.received,
        [`${sub.name}.lost`]: verdict.lost.length,
        [`${sub.name}.duplicated`]: verdict.duplicated.length,
        [`${sub.name}.reordered`]: verdict.reordered.length,
        [`${sub.name}.unexpected`]: verdict.unexpected.length,
        [`${sub.name}.recovered`]: verdict.recovered.length,
        [`${sub.name}.connections`]: sub.connections,
        [`${sub.name}.sessionsLost`]: sub.sessionsLost,
      });
      // Order is reported, not failed, as in the kill9 scenario.
      failures.push(...failuresOf(verdict, drained, false).map((f) => `${sub.name}: ${f}`));
      if (sub.sessionsLost > 0)
        failures.push(
          `${sub.name}: the session was gone at ${sub.sessionsLost} of ${sub.connections - 1} reconnections`,
        );
    }
    figures.clientErrors =
      [...errors].map(([message, n]) => `${message} ×${n}`).join('; ') || 'none';
    figures.seconds = Math.round((Date.now() - started) / 1000);
    return { name: 'mqtt-kill9', figures, failures };
  } finally {
    stopping = true;
    for (const client of clients) client.end(true);
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
