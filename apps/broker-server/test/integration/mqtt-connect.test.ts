/**
 * MQTT connections against a real broker: the keep-alive, client identifiers, what CONNACK says
 * of the session expiry, mqtt.maxSessions, connections.max, and a broker with MQTT off.
 */
import type { IConnackPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useBrokers } from '../support/broker-fixture.js';
import { useMqtt } from '../support/mqtt-fixture.js';
import { connectBytes } from '../support/mqtt-raw.js';

const m = useMqtt();
const plain = useBrokers();

describe.each([4, 5] as const)('MQTT keep-alive, protocol level %i', (version) => {
  it('[MQTT-3.1.2-24] a client that sends nothing for 1.5 times its keep-alive is disconnected', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    const connack = await raw.handshake({ clientId: `sleepy-${version}`, keepalive: 1 });
    expect(connack.cmd).toBe('connack');
    await raw.waitClosed(15_000);
  });

  it('a client that pings within its keep-alive stays connected past it', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, version);
    await raw.handshake({ clientId: `pinger-${version}`, keepalive: 1 });
    // Three keep-alive periods, a PINGREQ every half period, each answered.
    for (let i = 0; i < 6; i++) {
      raw.send({ cmd: 'pingreq' });
      await raw.nextOf('pingresp');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(raw.closed).toBe(false);
  });
});

describe('v3.1.1 client identifiers', () => {
  it('[MQTT-3.1.3-6] an empty client id with cleanSession=1 is accepted', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, 4);
    const connack = await raw.handshake({ clientId: '', clean: true });
    expect(connack.returnCode).toBe(0);
  });

  it('[MQTT-3.1.3-8] an empty client id with cleanSession=0 is refused with CONNACK 0x02 and closed', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, 4);
    raw.write(connectBytes(4, '', false));
    const connack = await raw.nextOf<IConnackPacket>('connack');
    expect(connack.returnCode).toBe(0x02);
    await raw.waitClosed();
  });
});

describe('MQTT 5 connect', () => {
  it('[MQTT-3.2.2-16] an empty client id gets an Assigned Client Identifier, which resumes the session', async () => {
    const b = await m.broker();
    const raw = await m.raw(b, 5);
    raw.write(connectBytes(5, '', false, 300));
    const connack = await raw.nextOf<IConnackPacket>('connack');
    expect(connack.reasonCode).toBe(0);
    const assigned = connack.properties?.assignedClientIdentifier;
    expect(assigned).toEqual(expect.any(String));
    expect(assigned?.length).toBeGreaterThan(0);
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'assigned/a', qos: 1 }] });
    await raw.nextOf('suback');
    await raw.end();
    const again = await m.raw(b, 5);
    const resumed = await again.handshake({
      clientId: assigned as string,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
    });
    expect(resumed.sessionPresent).toBe(true);
  });

  it('a client asking for no keep-alive, or more than mqtt.maxKeepAliveSeconds, is told Server Keep Alive', async () => {
    const b = await m.broker({ config: { mqtt: { maxKeepAliveSeconds: 30 } } });
    for (const keepalive of [0, 120]) {
      const raw = await m.raw(b, 5);
      const connack = await raw.handshake({ clientId: `ka-${keepalive}`, keepalive });
      expect(connack.properties?.serverKeepAlive).toBe(30);
    }
    const raw = await m.raw(b, 5);
    const within = await raw.handshake({ clientId: 'ka-20', keepalive: 20 });
    expect(within.properties?.serverKeepAlive ?? 20).toBe(20);
  });

  it('a Session Expiry Interval above mqtt.maxSessionExpirySeconds is lowered, and CONNACK says so', async () => {
    const b = await m.broker({ config: { mqtt: { maxSessionExpirySeconds: 60 } } });
    const raw = await m.raw(b, 5);
    const connack = await raw.handshake({
      clientId: 'long-lived',
      clean: false,
      properties: { sessionExpiryInterval: 86_400 },
    });
    expect(connack.properties?.sessionExpiryInterval).toBe(60);
  });

  it('a new persistent session past mqtt.maxSessions is refused with 0x97; clean ones and kept ones still connect', async () => {
    const b = await m.broker({ config: { mqtt: { maxSessions: 1 } } });
    const persistent = (clientId: string) => ({
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
    });
    const first = await m.raw(b, 5);
    expect((await first.handshake(persistent('only-one'))).reasonCode).toBe(0);
    await first.end();
    const second = await m.raw(b, 5);
    expect((await second.handshake(persistent('one-too-many'))).reasonCode).toBe(0x97);
    await second.waitClosed();
    const clean = await m.raw(b, 5);
    expect((await clean.handshake({ clientId: 'passing-by' })).reasonCode).toBe(0);
    const back = await m.raw(b, 5);
    const resumed = await back.handshake(persistent('only-one'));
    expect([resumed.reasonCode, resumed.sessionPresent]).toEqual([0, true]);
  });

  it('a v5 client that asked for no keep-alive is held to the Server Keep Alive it was given', async () => {
    const b = await m.broker({ config: { mqtt: { maxKeepAliveSeconds: 1 } } });
    const raw = await m.raw(b, 5);
    const connack = await raw.handshake({ clientId: 'told-1s', keepalive: 0 });
    expect(connack.properties?.serverKeepAlive).toBe(1);
    await raw.waitClosed(15_000);
  });
});

describe('connections.max', () => {
  it('MQTT connections count within the broker-wide connections.max', async () => {
    const b = await m.broker({ args: ['--max-connections', '2'] });
    const first = await m.client(b, { protocolVersion: 5, clientId: 'one' });
    await m.client(b, { protocolVersion: 5, clientId: 'two' });
    const third = await m.raw(b, 5);
    third.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive: 60,
      clientId: 'three',
    });
    await third.waitClosed();
    const refused = third.received.find((p): p is IConnackPacket => p.cmd === 'connack');
    if (refused !== undefined) expect(refused.reasonCode).toBeGreaterThanOrEqual(0x80);
    expect(first.connected).toBe(true);
  });
});

describe('MQTT off', () => {
  it('a broker without --mqtt logs no mqttPort and serves no /mqtt WebSocket', async () => {
    const b = await plain.broker();
    expect(b.mqttPort).toBeUndefined();
    const ws = new WebSocket(`ws://127.0.0.1:${b.httpPort}/mqtt`, ['mqtt']);
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
      ws.once('error', () => resolve('error'));
    });
    ws.terminate();
    expect(outcome).not.toBe('open');
  });
});
