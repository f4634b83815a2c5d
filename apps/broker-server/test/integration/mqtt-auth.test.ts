/**
 * MQTT clients authenticate as the native protocol's principals (users, tokens, JWTs) and are
 * held to their permissions: publish is produce, subscribe is consume.
 */
import { SignJWT } from 'jose';
import type { IConnackPacket, IPubackPacket, ISubackPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import { hashToken } from '../../src/auth/token-hash.js';
import { inboxOf } from '../support/mqtt-client.js';
import { type MqttBroker, useMqtt } from '../support/mqtt-fixture.js';
import { createStation, stationMessages } from '../support/mqtt-http.js';
import type { RawMqtt } from '../support/mqtt-raw.js';
import { tokenOf } from '../support/token-config.js';

const m = useMqtt();
const SECRET = 'mqtt-auth-test-secret-of-32-bytes-or-more';
const ROOT = tokenOf('root');
const SHARED = 'mqtt-auth-shared-token-0123456789abcdef';

/** Produce on telemetry, consume on commands, nothing else. */
const device = {
  allow: [
    { actions: ['produce'], stations: ['telemetry'] },
    { actions: ['consume'], stations: ['commands'] },
  ],
};
const aliceHash = await hashPassword('alice-secret');
const bobHash = await hashPassword('bob-secret');

async function authBroker(): Promise<MqttBroker> {
  const b = await m.broker({
    config: {
      auth: {
        users: [
          { username: 'alice', passwordHash: aliceHash },
          { username: 'bob', passwordHash: bobHash, permissions: device },
        ],
        tokens: [
          { name: 'root', hash: hashToken(ROOT) },
          { name: 'sensor', hash: hashToken(tokenOf('sensor')), permissions: device },
        ],
        jwt: { secret: SECRET, audience: 'ferry' },
        token: SHARED,
        failureDelayMs: 0,
      },
    },
  });
  for (const station of ['telemetry', 'commands']) await createStation(b, station, 1, ROOT);
  return b;
}

const jwt = (sub: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setAudience('ferry')
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(SECRET));

/** CONNACK's code: v3.1.1 return code or v5 reason code. */
const codeOf = (connack: IConnackPacket) => connack.reasonCode ?? connack.returnCode ?? -1;

async function connectRaw(
  b: MqttBroker,
  version: 4 | 5,
  credentials: { username?: string; password?: string },
): Promise<{ raw: RawMqtt; code: number; sessionPresent: boolean }> {
  const raw = await m.raw(b, version);
  const connack = await raw.handshake({
    clientId: `c-${Math.random().toString(36).slice(2)}`,
    ...(credentials.username === undefined ? {} : { username: credentials.username }),
    ...(credentials.password === undefined ? {} : { password: Buffer.from(credentials.password) }),
  });
  return { raw, code: codeOf(connack), sessionPresent: connack.sessionPresent };
}

describe.each([4, 5] as const)('MQTT auth, protocol level %i', (version) => {
  const badCredentials = version === 5 ? 0x86 : 0x04;

  it('a configured user with the right password connects, publishes and subscribes', async () => {
    const b = await authBroker();
    const c = await m.client(b, {
      protocolVersion: version,
      username: 'alice',
      password: 'alice-secret',
    });
    const inbox = inboxOf(c);
    await c.subscribeAsync('telemetry/#', { qos: 1 });
    await c.publishAsync('telemetry/t1', 'from alice', { qos: 1 });
    expect((await inbox.text('from alice')).topic).toBe('telemetry/t1');
  });

  it('[MQTT-3.2.2-5] a wrong password is refused in CONNACK (v3.1.1 0x04, v5 0x86) and the connection closed', async () => {
    const b = await authBroker();
    const { raw, code, sessionPresent } = await connectRaw(b, version, {
      username: 'alice',
      password: 'wrong',
    });
    expect(code).toBe(badCredentials);
    // [MQTT-3.2.2-4] A refusal never says a session is present.
    expect(sessionPresent).toBe(false);
    await raw.waitClosed();
  });

  it('an unknown user is refused like a wrong password', async () => {
    const b = await authBroker();
    const { raw, code } = await connectRaw(b, version, { username: 'mallory', password: 'x' });
    expect(code).toBe(badCredentials);
    await raw.waitClosed();
  });

  it('no credentials at all on a broker with auth is refused (v3.1.1 0x04/0x05, v5 0x86/0x87)', async () => {
    const b = await authBroker();
    const { raw, code } = await connectRaw(b, version, {});
    expect(version === 5 ? [0x86, 0x87] : [0x04, 0x05]).toContain(code);
    await raw.waitClosed();
  });

  it('a named token as the password with an empty username is that principal', async () => {
    const b = await authBroker();
    const ok = await connectRaw(b, version, { username: '', password: tokenOf('sensor') });
    expect(ok.code).toBe(0);
    ok.raw.send({
      cmd: 'publish',
      topic: 'telemetry/s1',
      payload: Buffer.from('by token'),
      qos: 1,
      messageId: 1,
      dup: false,
      retain: false,
    });
    const ack = await ok.raw.nextOf<IPubackPacket>('puback');
    expect(ack.reasonCode ?? 0).toBe(0);
    const stored = await stationMessages(b, 'telemetry', ROOT);
    expect(stored.map((s) => s.text)).toEqual(['by token']);
  });

  it('a wrong token is refused like a wrong password', async () => {
    const b = await authBroker();
    const bad = await connectRaw(b, version, { username: '', password: tokenOf('nobody') });
    expect(bad.code).toBe(badCredentials);
    await bad.raw.waitClosed();
  });

  it('the shared token as the password with an empty username is accepted', async () => {
    const b = await authBroker();
    const ok = await connectRaw(b, version, { username: '', password: SHARED });
    expect(ok.code).toBe(0);
  });

  it('a JWT as the password with an empty username is accepted', async () => {
    const b = await authBroker();
    const ok = await connectRaw(b, version, { username: '', password: await jwt('web-app') });
    expect(ok.code).toBe(0);
  });

  it('a publish outside the principal’s produce permission is refused (v5 PUBACK 0x87, v3.1.1 close) and not stored', async () => {
    const b = await authBroker();
    const { raw, code } = await connectRaw(b, version, { username: 'bob', password: 'bob-secret' });
    expect(code).toBe(0);
    const publish = (topic: string, messageId: number) =>
      raw.send({
        cmd: 'publish',
        topic,
        payload: Buffer.from(topic),
        qos: 1,
        messageId,
        dup: false,
        retain: false,
      });
    publish('telemetry/ok', 1);
    expect((await raw.nextOf<IPubackPacket>('puback')).reasonCode ?? 0).toBe(0);
    publish('commands/forged', 2);
    if (version === 5) {
      const denied = await raw.nextOf<IPubackPacket>('puback');
      expect([denied.messageId, denied.reasonCode]).toEqual([2, 0x87]);
      publish('telemetry/still-ok', 3);
      expect((await raw.nextOf<IPubackPacket>('puback')).reasonCode ?? 0).toBe(0);
    } else {
      await raw.waitClosed();
    }
    expect(await stationMessages(b, 'commands', ROOT)).toEqual([]);
  });

  it('a subscribe outside the principal’s consume permission is refused in SUBACK (v3.1.1 0x80, v5 0x87)', async () => {
    const b = await authBroker();
    const { raw } = await connectRaw(b, version, { username: 'bob', password: 'bob-secret' });
    raw.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'commands/#', qos: 1 },
        { topic: 'telemetry/#', qos: 1 },
      ],
    });
    const suback = await raw.nextOf<ISubackPacket>('suback');
    expect(suback.granted).toEqual([1, version === 5 ? 0x87 : 0x80]);
    // The granted one works.
    const root = await m.client(b, { protocolVersion: 5, username: '', password: ROOT });
    await root.publishAsync('commands/reboot', 'now', { qos: 1 });
    const got = await raw.nextOf('publish');
    expect(got).toMatchObject({ topic: 'commands/reboot' });
  });
});

describe('permissions on mapped stations', () => {
  it('a publish is allowed or refused by produce on the station its topic maps to, not on its first level', async () => {
    const b = await m.broker({
      config: {
        mqtt: { stations: [{ topic: 'devices/+/telemetry', station: 'telemetry' }] },
        auth: {
          tokens: [
            { name: 'root', hash: hashToken(ROOT) },
            { name: 'sensor', hash: hashToken(tokenOf('sensor')), permissions: device },
          ],
          failureDelayMs: 0,
        },
      },
    });
    for (const station of ['telemetry', 'devices']) await createStation(b, station, 1, ROOT);
    const { raw, code } = await connectRaw(b, 5, { username: '', password: tokenOf('sensor') });
    expect(code).toBe(0);
    const send = (topic: string, messageId: number) =>
      raw.send({
        cmd: 'publish',
        topic,
        payload: Buffer.from(topic),
        qos: 1,
        messageId,
        dup: false,
        retain: false,
      });
    send('devices/d1/telemetry', 1);
    send('devices/d1/config', 2);
    const acks = [
      await raw.nextOf<IPubackPacket>('puback'),
      await raw.nextOf<IPubackPacket>('puback'),
    ];
    // (In what order the two PUBACKs come is the ordering test's concern.)
    acks.sort((x, y) => (x.messageId ?? 0) - (y.messageId ?? 0));
    expect(acks.map((a) => [a.messageId, a.reasonCode ?? 0])).toEqual([
      [1, 0],
      [2, 0x87],
    ]);
    expect((await stationMessages(b, 'telemetry', ROOT)).map((s) => s.text)).toEqual([
      'devices/d1/telemetry',
    ]);
    expect(await stationMessages(b, 'devices', ROOT)).toEqual([]);
  });
});
