import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS, ERROR_CODES, FerryError, frame, PROTOCOL_VERSION } from '@ferry/protocol';
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/server/types.js';
import { connectTcp } from '../support/raw-client.js';
import { useServers } from '../support/test-servers.js';

const start = useServers();

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('handshake', () => {
  it('[HS-2] answers hello with welcome: version, server, connection id and limits', async () => {
    const servers = await start({ config: { limits: { maxCredit: 500 } } });
    const client = await connectTcp(servers.tcpPort);
    const welcome = await client.handshake({ id: 7, clientName: 'raw-client' });
    expect(welcome).toMatchObject({
      type: 'welcome',
      id: 7,
      version: PROTOCOL_VERSION,
      serverName: 'ferry-broker',
      serverVersion: packageVersion,
      limits: { ...DEFAULT_LIMITS, maxCredit: 500 },
    });
    expect(welcome.connectionId).toMatch(/^c-[0-9a-f]+$/);
  });

  it('[HS-2] picks the highest common version of overlapping ranges', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    const welcome = await client.handshake({ minVersion: 0, maxVersion: PROTOCOL_VERSION + 5 });
    expect(welcome.version).toBe(PROTOCOL_VERSION);
  });

  it.each([
    ['newer only', PROTOCOL_VERSION + 1, PROTOCOL_VERSION + 3],
    ['older only', 0, 0],
    ['an empty range', PROTOCOL_VERSION, PROTOCOL_VERSION - 1],
  ])('[HS-2] refuses %s with UNSUPPORTED_VERSION for the hello and closes', async (_, min, max) => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    client.send({ type: 'hello', id: 3, minVersion: min, maxVersion: max });
    expect(await client.next()).toMatchObject({
      type: 'error',
      id: 3,
      code: 'UNSUPPORTED_VERSION',
      number: ERROR_CODES.UNSUPPORTED_VERSION.number,
    });
    await client.closed;
  });

  it('[HS-1] answers a first frame other than hello with HANDSHAKE_REQUIRED and closes', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    client.send({ type: 'ping', id: 1 });
    expect(await client.next()).toMatchObject({ type: 'error', id: 0, code: 'HANDSHAKE_REQUIRED' });
    await client.closed;
  });

  it('[HS-1] refuses a request pipelined behind hello before welcome', async () => {
    const servers = await start({ config: { auth: { token: 's3cret' } } });
    const client = await connectTcp(servers.tcpPort);
    client.send({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1, auth: { token: 's3cret' } });
    client.send({ type: 'stationDelete', id: 2, name: 'orders' });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'HANDSHAKE_REQUIRED' });
    await client.closed;
  });

  it('times out a connection that never says hello with HANDSHAKE_TIMEOUT', async () => {
    const servers = await start({ config: { limits: { handshakeTimeoutMs: 50 } } });
    const client = await connectTcp(servers.tcpPort);
    expect(await client.next()).toMatchObject({
      type: 'error',
      id: 0,
      code: 'HANDSHAKE_TIMEOUT',
      retriable: true,
    });
    await client.closed;
  });

  it('closes a second hello with INVALID_FIELD', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'hello', id: 2, minVersion: 1, maxVersion: 1 });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'INVALID_FIELD' });
    await client.closed;
  });
});

describe('authentication', () => {
  it('accepts the configured token and passes the principal to handlers', async () => {
    let seen: Connection | undefined;
    const servers = await start({
      config: { auth: { token: 's3cret' } },
      handlers: {
        stationDelete: (conn, f) => {
          seen = conn;
          conn.send({ type: 'ok', id: f.id });
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake({ auth: { token: 's3cret' } });
    client.send({ type: 'stationDelete', id: 2, name: 'orders' });
    expect(await client.next()).toEqual({ type: 'ok', id: 2 });
    expect(seen).toMatchObject({ principal: 'token-user', transport: 'tcp', closed: false });
  });

  it.each([
    ['a wrong token', { token: 'guess' }],
    ['no credentials', undefined],
  ])('refuses %s with AUTH_FAILED for the hello and closes', async (_, auth) => {
    const servers = await start({ config: { auth: { token: 's3cret' } } });
    const client = await connectTcp(servers.tcpPort);
    client.send({ type: 'hello', id: 4, minVersion: 1, maxVersion: 1, ...(auth && { auth }) });
    expect(await client.next()).toMatchObject({
      type: 'error',
      id: 4,
      code: 'AUTH_FAILED',
      retriable: false,
    });
    await client.closed;
    expect(servers.log.entries).toContainEqual(expect.objectContaining({ message: 'auth failed' }));
  });
});

describe('heartbeats', () => {
  it('answers ping with pong carrying the same id', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'ping', id: 42 });
    expect(await client.next()).toEqual({ type: 'pong', id: 42 });
  });

  it('pings a quiet client, then closes it with IDLE_TIMEOUT when nothing comes back', async () => {
    const servers = await start({
      config: { limits: { heartbeatIntervalMs: 20, idleTimeoutMs: 150 } },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    expect(await client.next()).toMatchObject({ type: 'ping' });
    let last = await client.next();
    while (last.type === 'ping') last = await client.next();
    expect(last).toMatchObject({ type: 'error', id: 0, code: 'IDLE_TIMEOUT' });
    await client.closed;
  });

  it('keeps a client that answers pings open past the idle timeout', async () => {
    const servers = await start({
      config: { limits: { heartbeatIntervalMs: 20, idleTimeoutMs: 250 } },
      handlers: {
        stationDelete: (conn, f) => {
          conn.send({ type: 'ok', id: f.id });
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    // 30 intervals of 20 ms outlast one idle timeout of 250 ms.
    for (let pings = 0; pings < 30; pings++) {
      const ping = await client.next();
      expect(ping.type).toBe('ping');
      if (ping.type === 'ping') client.send({ type: 'pong', id: ping.id });
    }
    client.send({ type: 'stationDelete', id: 9, name: 'orders' });
    let reply = await client.next();
    while (reply.type === 'ping') reply = await client.next();
    expect(reply).toEqual({ type: 'ok', id: 9 });
  });
});

describe('dispatch', () => {
  it('gives a FerryError thrown by a handler its code, for the request id', async () => {
    const servers = await start({
      handlers: {
        stationInfo: () => {
          throw new FerryError('STATION_NOT_FOUND', 'no station orders');
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'stationInfo', id: 5, name: 'orders' });
    expect(await client.next()).toEqual({
      type: 'error',
      id: 5,
      code: 'STATION_NOT_FOUND',
      number: ERROR_CODES.STATION_NOT_FOUND.number,
      retriable: false,
      message: 'no station orders',
    });
  });

  it("keeps a rejected FerryError's retriable flag", async () => {
    const servers = await start({
      handlers: {
        produce: async () => {
          throw new FerryError('STORAGE_FAILED', 'disk trouble', { retriable: true });
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({
      type: 'produce',
      id: 6,
      station: 'orders',
      messages: [{ payload: new Uint8Array([1]) }],
    });
    expect(await client.next()).toMatchObject({
      type: 'error',
      id: 6,
      code: 'STORAGE_FAILED',
      retriable: true,
    });
  });

  it('reports an error of a frame without id (credit) with id 0 and its sid', async () => {
    const servers = await start({
      handlers: {
        credit: (_conn, f) => {
          throw new FerryError('SUBSCRIPTION_NOT_FOUND', `no subscription ${f.sid}`);
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'credit', sid: 12, credit: 10 });
    expect(await client.next()).toMatchObject({
      type: 'error',
      id: 0,
      sid: 12,
      code: 'SUBSCRIPTION_NOT_FOUND',
    });
  });

  it('turns any other failure into INTERNAL, logs it and keeps the connection', async () => {
    const servers = await start({
      handlers: {
        stationList: async () => {
          throw new TypeError('undefined is not a function');
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'stationList', id: 8 });
    const error = await client.next();
    expect(error).toMatchObject({ type: 'error', id: 8, code: 'INTERNAL', retriable: true });
    expect(JSON.stringify(error)).not.toContain('undefined is not a function');
    expect(servers.log.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'frame handler failed' }),
    );
    client.send({ type: 'ping', id: 1 });
    expect(await client.next()).toEqual({ type: 'pong', id: 1 });
  });

  it('reports a frame the handler cannot encode as INTERNAL', async () => {
    const servers = await start({
      handlers: {
        stationDelete: (conn, f) => {
          conn.send({ type: 'ok', id: f.id, count: -1 });
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'stationDelete', id: 3, name: 'orders' });
    expect(await client.next()).toMatchObject({ type: 'error', id: 3, code: 'INTERNAL' });
  });

  it('[ENC-2] closes on an unknown frame type with UNKNOWN_FRAME_TYPE', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.sendRaw(frame(encode([99, 1])));
    expect(await client.next()).toMatchObject({ type: 'error', code: 'UNKNOWN_FRAME_TYPE' });
    await client.closed;
  });

  it('closes on a frame only servers send with UNKNOWN_FRAME_TYPE', async () => {
    const servers = await start();
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'ok', id: 2 });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'UNKNOWN_FRAME_TYPE' });
    await client.closed;
  });

  it('[HS-1] closes on a frame only servers send before hello with HANDSHAKE_REQUIRED, and after it with UNKNOWN_FRAME_TYPE', async () => {
    const servers = await start();
    const early = await connectTcp(servers.tcpPort);
    early.send({ type: 'ok', id: 1 });
    expect(await early.next()).toMatchObject({ type: 'error', code: 'HANDSHAKE_REQUIRED' });
    await early.closed;
    const late = await connectTcp(servers.tcpPort);
    await late.handshake();
    late.send({ type: 'ok', id: 1 });
    expect(await late.next()).toMatchObject({ type: 'error', code: 'UNKNOWN_FRAME_TYPE' });
    await late.closed;
  });

  it('runs onClose listeners once when the peer goes away', async () => {
    let closes = 0;
    let subscribed: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const servers = await start({
      handlers: {
        subscribe: (conn) => {
          conn.onClose(() => closes++);
          subscribed();
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.send({ type: 'subscribe', id: 2, sid: 1, station: 'orders', group: 'billing' });
    await ready;
    client.close();
    await expect.poll(() => servers.registry.size).toBe(0);
    expect(closes).toBe(1);
  });
});
