import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { connectTcp, connectWs } from '../support/raw-client.js';
import { expectType, Requester } from '../support/requester.js';
import { seedStation } from '../support/seed.js';
import { useTempDirs } from '../support/temp-dir.js';
import { tokenConfig, tokenOf } from '../support/token-config.js';

const fixture = useBrokers();
const tempDir = useTempDirs('broker-info');

const ORDERS_ONLY = { allow: [{ actions: ['browse', 'consume'], stations: ['orders.*'] }] };
const PRINCIPALS = {
  root: undefined,
  reader: ORDERS_ONLY,
  operator: {
    allow: [{ actions: ['*'], stations: ['*'] }],
    deny: [{ actions: ['admin'], stations: ['audit'] }],
  },
} as const;

describe('brokerInfo', () => {
  it('[INFO-1] totals the stations, groups, messages, deliveries and dead letters of an open broker, with its connections', async () => {
    const b = await fixture.broker();
    const raw = await connectTcp(b.tcpPort);
    fixture.track(raw);
    await raw.handshake();
    const root = new Requester(raw);
    await seedStation(root, 'orders.eu');
    await seedStation(root, 'billing');
    const other = await connectWs(b.httpPort);
    fixture.track(other);
    await other.handshake();

    const before = Date.now();
    const { info } = expectType(await root.request({ type: 'brokerInfo' }), 'broker');
    expect(info).toMatchObject({
      stations: 2,
      partitions: 2,
      groups: 2,
      members: 0,
      storedMessages: 6,
      appended: 6,
      // seedStation delivers one message of each station, then dead-letters it.
      delivered: 2,
      deadLetters: 2,
      connections: 2,
    });
    expect(info.storedBytes).toBeGreaterThan(6);
    expect(info.startedAt).toBeLessThanOrEqual(info.now);
    expect(info.now).toBeGreaterThanOrEqual(before - 1000);
    expect(info.serverVersion).toMatch(/^\d+\.\d+\.\d+/);

    const produced = await root.request({
      type: 'produce',
      station: 'billing',
      messages: [{ payload: new TextEncoder().encode('d') }],
    });
    expectType(produced, 'produceAck');
    const after = expectType(await root.request({ type: 'brokerInfo' }), 'broker').info;
    expect(after.appended - info.appended).toBe(1);
    expect(after.storedMessages - info.storedMessages).toBe(1);
  });

  it('[INFO-1] counts only the stations a principal sees, and the connections only for one that may administer every station', async () => {
    const file = tokenConfig(tempDir(), PRINCIPALS);
    const b = await fixture.broker({ args: ['--config', file] });
    const as = async (name: keyof typeof PRINCIPALS) => {
      const raw = await connectTcp(b.tcpPort);
      fixture.track(raw);
      await raw.handshake({ auth: { token: tokenOf(name) } });
      return new Requester(raw);
    };
    const root = await as('root');
    await seedStation(root, 'orders.eu');
    await seedStation(root, 'audit');

    const reader = expectType(await (await as('reader')).request({ type: 'brokerInfo' }), 'broker');
    expect(reader.info).toMatchObject({ stations: 1, groups: 1, appended: 3, deadLetters: 1 });
    expect(reader.info.connections).toBeUndefined();

    const operator = await as('operator');
    const denied = expectType(await operator.request({ type: 'brokerInfo' }), 'broker');
    expect(denied.info.stations).toBe(2);
    // Denied admin on one station: not an administrator of every station.
    expect(denied.info.connections).toBeUndefined();

    const rootInfo = expectType(await root.request({ type: 'brokerInfo' }), 'broker');
    expect(rootInfo.info).toMatchObject({ stations: 2, connections: 3 });
  });
});

describe('permissions in welcome and reauthed', () => {
  it('[SEC-9] welcome carries the principal\u2019s rules as configured, and nothing on an open broker', async () => {
    const open = await fixture.broker();
    const anon = await connectTcp(open.tcpPort);
    fixture.track(anon);
    expect((await anon.handshake()).permissions).toBeUndefined();

    const file = tokenConfig(tempDir(), PRINCIPALS);
    const b = await fixture.broker({ args: ['--config', file] });
    const reader = await connectWs(b.httpPort);
    fixture.track(reader);
    const welcome = await reader.handshake({ auth: { token: tokenOf('reader') } });
    expect(welcome.permissions).toEqual(ORDERS_ONLY);

    const operator = await connectTcp(b.tcpPort);
    fixture.track(operator);
    expect(
      (await operator.handshake({ auth: { token: tokenOf('operator') } })).permissions,
    ).toEqual(PRINCIPALS.operator);
    const root = await connectTcp(b.tcpPort);
    fixture.track(root);
    expect((await root.handshake({ auth: { token: tokenOf('root') } })).permissions).toEqual({
      allow: [{ actions: ['*'], stations: ['*'] }],
    });

    const again = new Requester(reader);
    const reauthed = expectType(
      await again.request({ type: 'reauth', auth: { token: tokenOf('reader') } }),
      'reauthed',
    );
    expect(reauthed.permissions).toEqual(ORDERS_ONLY);
  });
});
