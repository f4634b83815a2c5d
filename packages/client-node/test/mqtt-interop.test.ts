/**
 * MQTT and the Node SDK on one broker, both ways: what MQTT clients publish a Ferry consumer
 * group reads (payload, topic header, user properties as headers, the topic as key), and what
 * a Ferry producer sends reaches MQTT subscribers of the station (headers as user properties).
 */
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Client, type Consumer, connect } from '../src/index.js';

let broker: RunningBroker;
let mqttPort: number;
const opened: { end(): Promise<unknown> | unknown }[] = [];

beforeEach(async () => {
  broker = await startBroker({ args: ['--mqtt', 'true', '--mqtt-port', '0'] });
  if (broker.mqttPort === undefined) throw new Error('the broker logged no mqttPort');
  mqttPort = broker.mqttPort;
});

afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.end();
  await broker?.stop();
});

async function ferry(): Promise<Client> {
  const client = await connect(`ferry://127.0.0.1:${broker.tcpPort}`);
  opened.push({ end: () => client.close() });
  return client;
}

async function mqttClient(
  protocolVersion: 4 | 5,
  transport: 'tcp' | 'ws' = 'tcp',
): Promise<MqttClient> {
  const url =
    transport === 'tcp' ? `mqtt://127.0.0.1:${mqttPort}` : `ws://127.0.0.1:${broker.httpPort}/mqtt`;
  const client = await connectAsync(
    url,
    { protocolVersion, reconnectPeriod: 0, connectTimeout: 10_000 },
    false,
  );
  opened.push({ end: () => client.endAsync(true) });
  return client;
}

/** The next `n` messages of a consumer, each acknowledged. */
async function take<T>(consumer: Consumer<T>, n: number) {
  const got = [];
  for await (const message of consumer) {
    got.push(message);
    await message.ack();
    if (got.length === n) break;
  }
  return got;
}

/** Resolves with the first `n` messages `client` receives. */
function received(client: MqttClient, n: number, timeoutMs = 10_000) {
  return new Promise<{ topic: string; payload: Buffer; packet: IPublishPacket }[]>(
    (resolve, reject) => {
      const got: { topic: string; payload: Buffer; packet: IPublishPacket }[] = [];
      const timer = setTimeout(
        () => reject(new Error(`${got.length} of ${n} messages`)),
        timeoutMs,
      );
      client.on('message', (topic, payload, packet) => {
        got.push({ topic, payload, packet });
        if (got.length === n) {
          clearTimeout(timer);
          resolve(got);
        }
      });
    },
  );
}

describe('MQTT to a Ferry consumer group', () => {
  it('an MQTT 5 publish with user properties: payload bytes, mqtt-topic and user properties as headers, the topic as key', async () => {
    const client = await ferry();
    const consumer = await client.consume('sensors', { group: 'analytics', start: 'earliest' });
    const mqtt = await mqttClient(5);
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
    await mqtt.publishAsync('sensors/room1/temp', bytes, {
      qos: 1,
      properties: { userProperties: { unit: 'celsius', site: 'lyon' } },
    });
    const [message] = await take(consumer, 1);
    expect(Buffer.from(message?.payload ?? [])).toEqual(bytes);
    expect(message?.key).toBe('sensors/room1/temp');
    expect(message?.headers).toMatchObject({
      'mqtt-topic': 'sensors/room1/temp',
      unit: 'celsius',
      site: 'lyon',
    });
  });

  it('an MQTT 3.1.1 publish: payload and mqtt-topic header intact, the topic as key, in publish order', async () => {
    const client = await ferry();
    const consumer = await client.consume('meters', { group: 'billing', start: 'earliest' });
    const mqtt = await mqttClient(4);
    for (const n of [1, 2, 3]) await mqtt.publishAsync('meters/m7', `reading ${n}`, { qos: 1 });
    const got = await take(consumer, 3);
    expect(got.map((m) => m.text())).toEqual(['reading 1', 'reading 2', 'reading 3']);
    for (const m of got) {
      expect(m.key).toBe('meters/m7');
      expect(m.headers['mqtt-topic']).toBe('meters/m7');
    }
  });
});

describe('MQTT and Ferry side by side', () => {
  it('a retained MQTT publish over WebSocket reaches a consumer group with header mqtt-retain', async () => {
    const client = await ferry();
    const consumer = await client.consume('status', { group: 'dashboard', start: 'earliest' });
    const mqtt = await mqttClient(5, 'ws');
    await mqtt.publishAsync('status/door', 'open', { qos: 1, retain: true });
    const [message] = await take(consumer, 1);
    expect(message?.text()).toBe('open');
    expect(message?.headers).toMatchObject({ 'mqtt-topic': 'status/door', 'mqtt-retain': '1' });
  });

  it('an MQTT subscriber and a Ferry consumer group of one station each get every message', async () => {
    const mqtt = await mqttClient(4);
    await mqtt.subscribeAsync('shared/#', { qos: 1 });
    const fromMqtt = received(mqtt, 6);
    const client = await ferry();
    const consumer = await client.consume('shared', { group: 'audit', start: 'earliest' });
    const publisher = await mqttClient(5);
    for (const n of [1, 2, 3]) await publisher.publishAsync(`shared/${n}`, `mqtt ${n}`, { qos: 1 });
    const producer = client.producer('shared');
    for (const n of [1, 2, 3]) await producer.produce(new TextEncoder().encode(`ferry ${n}`));
    const all = ['mqtt 1', 'mqtt 2', 'mqtt 3', 'ferry 1', 'ferry 2', 'ferry 3'];
    expect((await take(consumer, 6)).map((m) => m.text()).sort()).toEqual([...all].sort());
    expect((await fromMqtt).map((m) => m.payload.toString()).sort()).toEqual([...all].sort());
  });
});

describe('a Ferry producer to MQTT subscribers', () => {
  it('producer.produce to a station reaches MQTT 5 subscribers of the station and of station/#, headers as user properties', async () => {
    const exact = await mqttClient(5);
    const below = await mqttClient(5);
    await exact.subscribeAsync('orders', { qos: 1 });
    await below.subscribeAsync('orders/#', { qos: 1 });
    const gotExact = received(exact, 1);
    const gotBelow = received(below, 1);
    const client = await ferry();
    const payload = new TextEncoder().encode('{"id":42}');
    await client
      .producer('orders')
      .produce(payload, { headers: { region: 'eu', 'content-type': 'application/json' } });
    for (const [m] of [await gotExact, await gotBelow]) {
      expect(m?.topic).toBe('orders');
      expect(m?.payload.toString()).toBe('{"id":42}');
      expect(m?.packet.properties?.userProperties).toMatchObject({ region: 'eu' });
      expect(m?.packet.properties?.contentType).toBe('application/json');
    }
  });

  it('producer.produce reaches an MQTT 3.1.1 subscriber with the payload intact', async () => {
    const mqtt = await mqttClient(4);
    await mqtt.subscribeAsync('alerts/#', { qos: 1 });
    const got = received(mqtt, 2);
    const client = await ferry();
    const producer = client.producer('alerts');
    await producer.produce(new Uint8Array([1, 2, 3]));
    await producer.produce(new Uint8Array([4, 5]));
    // Without a key the two may go to different partitions: no order between them.
    const seen = (await got).map((m) => [m.topic, [...m.payload]]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['alerts', [1, 2, 3]],
        ['alerts', [4, 5]],
      ]),
    );
  });
});
