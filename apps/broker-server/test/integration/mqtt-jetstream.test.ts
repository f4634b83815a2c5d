/**
 * MQTT on the jetstream engine, two brokers on one NATS JetStream cluster: a persistent session
 * and the retained messages live in the cluster's metadata, so a client may come back through
 * either broker.
 */
import { type NatsCluster, startCluster } from '@ferry/nats-cluster';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';

const fixture = useBrokers();
let nats: NatsCluster;
let run = 0;
const clients: MqttClient[] = [];

beforeAll(async () => {
  nats = await startCluster();
}, 60_000);
afterAll(() => nats?.stop(), 60_000);
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
});

async function twoBrokers() {
  const args = [
    '--storage-engine',
    'jetstream',
    '--nats-url',
    nats.urls.join(','),
    '--nats-replicas',
    '1',
    '--nats-timeout-ms',
    '15000',
    '--nats-prefix',
    `mq${++run}`,
    '--mqtt',
    'true',
    '--mqtt-port',
    '0',
  ];
  // One after the other: the first makes the cluster's buckets the second then finds.
  const a = await fixture.broker({ args });
  const b = await fixture.broker({ args });
  return [a, b].map((x) => `mqtt://127.0.0.1:${x.mqttPort}`) as [string, string];
}

async function client(url: string, options: mqtt.IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
  clients.push(c);
  return c;
}

function next(c: MqttClient): Promise<{ topic: string; payload: string; retain: boolean }> {
  return new Promise((resolve) =>
    c.once('message', (topic, payload, packet) =>
      resolve({ topic, payload: payload.toString(), retain: packet.retain }),
    ),
  );
}

describe('MQTT on jetstream, two brokers', () => {
  it('[MQTT-3.2.2-3] a persistent session made through one broker resumes through the other with what was published meanwhile', async () => {
    const [a, b] = await twoBrokers();
    const first = await client(a, { clientId: 'panel-1', clean: false, protocolVersion: 4 });
    await first.subscribeAsync('alerts/#', { qos: 1 });
    await first.endAsync();
    const publisher = await client(b, { protocolVersion: 5 });
    await publisher.publishAsync('alerts/door', 'open', { qos: 1 });

    const again = mqtt.connect(b, {
      clientId: 'panel-1',
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(again);
    const connack = new Promise<boolean>((resolve) =>
      again.once('connect', (p) => resolve(p.sessionPresent)),
    );
    const message = next(again);
    expect(await connack).toBe(true);
    expect(await message).toEqual({ topic: 'alerts/door', payload: 'open', retain: false });
  });

  it('[MQTT-3.3.1-6] a message retained through one broker is sent on a subscribe through the other', async () => {
    const [a, b] = await twoBrokers();
    const publisher = await client(a, { protocolVersion: 5 });
    await publisher.publishAsync('status/gate', 'closed', { qos: 1, retain: true });
    const reader = await client(b, { protocolVersion: 5 });
    // The other broker hears of it through the cluster's metadata, a moment later.
    const until = Date.now() + 15_000;
    for (;;) {
      const message = next(reader);
      await reader.subscribeAsync('status/+', { qos: 1 });
      const got = await Promise.race([
        message,
        new Promise((r) => setTimeout(() => r(undefined), 500)),
      ]);
      if (got !== undefined) {
        expect(got).toEqual({ topic: 'status/gate', payload: 'closed', retain: true });
        return;
      }
      await reader.unsubscribeAsync('status/+');
      if (Date.now() > until)
        throw new Error('the retained message never reached the other broker');
    }
  });
});
