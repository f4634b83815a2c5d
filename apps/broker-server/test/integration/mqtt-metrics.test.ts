/** The ferry_mqtt_* series of GET /metrics move with what MQTT clients do. */
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import type { SampleLabels } from '../support/exposition.js';
import { inboxOf } from '../support/mqtt-client.js';
import { type MqttBroker, useMqtt } from '../support/mqtt-fixture.js';
import { scrape } from '../support/mqtt-http.js';
import { waitFor } from '../support/mqtt-wait.js';

const m = useMqtt();

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
async function total(b: MqttBroker, name: string, labels: SampleLabels = {}): Promise<number> {
  return (await scrape(b)).series(name, labels).reduce((sum, s) => sum + s.value, 0);
}

/** Waits until the series reaches `expected`. */
async function reaches(b: MqttBroker, name: string, labels: SampleLabels, expected: number) {
  let last = Number.NaN;
  await waitFor(
    async () => {
      last = await total(b, name, labels);
      return last === expected;
    },
    10_000,
    `${name}${JSON.stringify(labels)} to reach ${expected}`,
  ).catch(() => {
    throw new Error(`${name}${JSON.stringify(labels)} is ${last}, expected ${expected}`);
  });
}

describe('MQTT metrics', () => {
  it('ferry_mqtt_connections by transport goes up and down; ferry_mqtt_connections_total counts them', async () => {
    const b = await m.broker();
    const tcp = await m.client(b, { protocolVersion: 4 });
    const ws = await m.client(b, { protocolVersion: 5, transport: 'ws' });
    await reaches(b, 'ferry_mqtt_connections', { transport: 'tcp' }, 1);
    await reaches(b, 'ferry_mqtt_connections', { transport: 'ws' }, 1);
    expect(await total(b, 'ferry_mqtt_connections_total', { transport: 'tcp' })).toBe(1);
    expect(await total(b, 'ferry_mqtt_connections_total', { transport: 'ws' })).toBe(1);
    await tcp.endAsync();
    await ws.endAsync();
    await reaches(b, 'ferry_mqtt_connections', { transport: 'tcp' }, 0);
    await reaches(b, 'ferry_mqtt_connections', { transport: 'ws' }, 0);
    expect(await total(b, 'ferry_mqtt_connections_total')).toBe(2);
  });

  it('ferry_mqtt_connections comes down when a client drops or times out, not only on DISCONNECT', async () => {
    const b = await m.broker();
    const dropped = await m.client(b, { protocolVersion: 5 });
    const sleepy = await m.raw(b, 4);
    await sleepy.handshake({ clientId: 'sleepy', keepalive: 1 });
    await reaches(b, 'ferry_mqtt_connections', { transport: 'tcp' }, 2);
    dropped.end(true);
    await sleepy.waitClosed(15_000);
    await reaches(b, 'ferry_mqtt_connections', { transport: 'tcp' }, 0);
  });

  it('ferry_mqtt_messages_received_total and ferry_mqtt_messages_sent_total count publishes by QoS', async () => {
    const b = await m.broker();
    const sub = await m.client(b, { protocolVersion: 5 });
    await sub.subscribeAsync('counted/#', { qos: 1 });
    const pub = await m.client(b, { protocolVersion: 5 });
    for (let i = 0; i < 2; i++) await pub.publishAsync('counted/a', `q0-${i}`, { qos: 0 });
    for (let i = 0; i < 3; i++) await pub.publishAsync('counted/a', `q1-${i}`, { qos: 1 });
    await pub.publishAsync('counted/a', 'q2', { qos: 2 });
    await inboxOf(sub).take(6);
    await reaches(b, 'ferry_mqtt_messages_received_total', { qos: '0' }, 2);
    await reaches(b, 'ferry_mqtt_messages_received_total', { qos: '1' }, 3);
    await reaches(b, 'ferry_mqtt_messages_received_total', { qos: '2' }, 1);
    // Granted QoS 1: the QoS 2 publish goes out at QoS 1.
    await reaches(b, 'ferry_mqtt_messages_sent_total', { qos: '0' }, 2);
    await reaches(b, 'ferry_mqtt_messages_sent_total', { qos: '1' }, 4);
  });

  it('ferry_mqtt_sessions counts persistent sessions, connected or not; ferry_mqtt_retained the retained messages', async () => {
    const b = await m.broker();
    const keeper = await m.client(b, {
      protocolVersion: 5,
      clientId: 'kept',
      clean: false,
      properties: { sessionExpiryInterval: 300 },
    });
    await m.client(b, { protocolVersion: 5, clientId: 'not-kept' });
    await reaches(b, 'ferry_mqtt_sessions', {}, 1);
    await keeper.endAsync();
    await reaches(b, 'ferry_mqtt_sessions', {}, 1);
    // A clean start ends it.
    await m.client(b, { protocolVersion: 5, clientId: 'kept', clean: true });
    await reaches(b, 'ferry_mqtt_sessions', {}, 0);

    const pub = await m.client(b, { protocolVersion: 5 });
    await pub.publishAsync('retained/a', 'a', { qos: 1, retain: true });
    await pub.publishAsync('retained/b', 'b', { qos: 1, retain: true });
    await reaches(b, 'ferry_mqtt_retained', {}, 2);
    await pub.publishAsync('retained/a', '', { qos: 1, retain: true });
    await reaches(b, 'ferry_mqtt_retained', {}, 1);
  });

  it('ferry_mqtt_refused_total counts refusals by reason: bad credentials, bad packets', async () => {
    const passwordHash = await hashPassword('right');
    const b = await m.broker({
      config: { auth: { users: [{ username: 'alice', passwordHash }], failureDelayMs: 0 } },
    });
    expect(await total(b, 'ferry_mqtt_refused_total')).toBe(0);
    const wrong = await m.raw(b, 5);
    const connack = await wrong.handshake({
      clientId: 'wrong',
      username: 'alice',
      password: Buffer.from('wrong'),
    });
    expect(connack.reasonCode).toBe(0x86);
    await reaches(b, 'ferry_mqtt_refused_total', {}, 1);
    const bad = await m.raw(b, 4);
    bad.write([0x30, 0x02, 0x00, 0x00]);
    await bad.waitClosed();
    await reaches(b, 'ferry_mqtt_refused_total', {}, 2);
    const reasons = (await scrape(b))
      .series('ferry_mqtt_refused_total')
      .map((s) => s.labels.reason);
    expect(reasons.every((r) => typeof r === 'string' && r.length > 0)).toBe(true);
    expect(new Set(reasons).size).toBe(2);
  });
});
