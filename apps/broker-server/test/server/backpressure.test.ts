import { Socket } from 'node:net';
import { DEFAULT_LIMITS, decodeFrame, encodeFrame, type ServerFrame } from '@ferry/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthThrottle } from '../../src/auth/auth-throttle.js';
import { Permissions } from '../../src/auth/permissions.js';
import { noMetrics } from '../../src/metrics.js';
import { Audit } from '../../src/server/audit.js';
import { BrokerConnection, type ConnectionOptions } from '../../src/server/connection.js';
import { ConnectionMetrics } from '../../src/server/connection-metrics.js';
import type { FrameSink } from '../../src/server/outbound.js';
import { OutboundBudget } from '../../src/server/outbound-budget.js';
import { SampledWarnings } from '../../src/server/sampled-warnings.js';
import type { Connection } from '../../src/server/types.js';
import { connectTcp } from '../support/raw-client.js';
import { recordingLogger, stubHandlers, useServers } from '../support/test-servers.js';

const start = useServers();

afterEach(() => {
  vi.restoreAllMocks();
});

function deliver(sid: number, offset: number, payloadBytes: number): ServerFrame {
  return {
    type: 'deliver',
    sid,
    messages: [
      {
        partition: 0,
        offset,
        timestamp: 0,
        deliveryCount: 1,
        payload: new Uint8Array(payloadBytes),
      },
    ],
  };
}

const nextImmediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A connection over `sink`, open to anyone, outside any listener. */
function connectionOptions(sink: FrameSink, maxOutboundBytes: number): ConnectionOptions {
  return {
    transport: 'tcp',
    sink,
    reading: { pause: () => {}, resume: () => {} },
    place: { established: () => {}, release: () => {} },
    remoteAddress: undefined,
    limits: DEFAULT_LIMITS,
    maxOutboundBytes,
    stallTimeoutMs: 30_000,
    outboundBudget: new OutboundBudget(1024 * 1024 * 1024, recordingLogger()),
    handlers: stubHandlers(),
    authenticate: async () => ({
      principal: { name: 'anonymous', kind: 'anonymous', permissions: Permissions.all },
    }),
    audit: new Audit(recordingLogger(), noMetrics),
    authThrottle: new AuthThrottle({ firstMs: 0, maxMs: 0 }),
    refusals: new SampledWarnings(recordingLogger()),
    log: recordingLogger(),
    serverVersion: '0.0.0',
    metrics: noMetrics,
    instruments: new ConnectionMetrics(noMetrics, 'tcp'),
  };
}

describe('outbound bound', () => {
  it('cuts off a client that stays flow-controlled (not reading) past the stall timeout', async () => {
    const servers = await start({
      config: { connections: { maxOutboundBytes: 256 * 1024, stallTimeoutMs: 200 } },
      handlers: {
        // A pusher that respects flow control: it stops at the soft bound and waits.
        subscribe: async (conn, f) => {
          for (let offset = 0; offset < 1000 && !conn.closed; offset++) {
            if (!conn.send(deliver(f.sid, offset, 16 * 1024))) await conn.drained();
          }
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.socket.pause();
    client.send({ type: 'subscribe', id: 2, sid: 1, station: 'orders', group: 'billing' });
    await expect
      .poll(
        () =>
          servers.log.entries.some(
            (e) => e.level === 'warn' && (e.fields as { code?: string }).code === 'SLOW_CONSUMER',
          ),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    client.socket.resume();
    await client.closed;
  });

  it('cuts off a client that stops reading with SLOW_CONSUMER; its buffer stays bounded', async () => {
    const maxOutboundBytes = 1024 * 1024;
    const payloadBytes = 64 * 1024;
    let pushed: Promise<{ closed: boolean; peakOutbound: number }> | undefined;
    const servers = await start({
      config: { connections: { maxOutboundBytes } },
      handlers: {
        // A pusher that ignores send() returning false: the bound must hold regardless.
        subscribe: (conn, f) => {
          const broker = conn as BrokerConnection;
          pushed = (async () => {
            let peakOutbound = 0;
            // At most 128 MiB: far past what the loopback socket buffers can absorb.
            for (let offset = 0; offset < 2048 && !conn.closed; offset++) {
              conn.send(deliver(f.sid, offset, payloadBytes));
              peakOutbound = Math.max(peakOutbound, broker.outboundBytes);
              await nextImmediate();
            }
            return { closed: conn.closed, peakOutbound };
          })();
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.socket.pause();
    client.send({ type: 'subscribe', id: 2, sid: 1, station: 'orders', group: 'billing' });

    await expect.poll(() => pushed).toBeDefined();
    const result = await pushed;
    expect(result?.closed).toBe(true);
    expect(result?.peakOutbound).toBeLessThanOrEqual(maxOutboundBytes + payloadBytes + 64);
    expect(servers.log.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ code: 'SLOW_CONSUMER' }),
      }),
    );
    expect(servers.registry.size).toBe(0);

    client.socket.resume();
    await client.closed;
    const healthy = await connectTcp(servers.tcpPort);
    await healthy.handshake();
  });

  it('flow-controls a pusher that waits for drained(), then delivers everything in order', async () => {
    const frames = 128;
    const payloadBytes = 256 * 1024;
    let blocked: () => void = () => {};
    const sawBackpressure = new Promise<void>((resolve) => {
      blocked = resolve;
    });
    let finished: Promise<boolean> | undefined;
    const servers = await start({
      config: { connections: { maxOutboundBytes: 1024 * 1024 } },
      handlers: {
        subscribe: (conn, f) => {
          finished = (async () => {
            for (let offset = 0; offset < frames; offset++) {
              if (!conn.send(deliver(f.sid, offset, payloadBytes))) {
                blocked();
                await conn.drained();
              }
            }
            return conn.closed;
          })();
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    client.socket.pause();
    client.send({ type: 'subscribe', id: 2, sid: 1, station: 'orders', group: 'billing' });
    await sawBackpressure; // 32 MiB outgrows the socket buffers, so send() must say false
    client.socket.resume();

    for (let offset = 0; offset < frames; offset++) {
      expect(await client.next()).toMatchObject({ type: 'deliver', messages: [{ offset }] });
    }
    expect(await finished).toBe(false);
    expect(client.isClosed).toBe(false);
  });
});

describe('write batching', () => {
  it('sends every frame queued in one tick with a single socket write', async () => {
    const servers = await start({
      handlers: {
        stationList: (conn, f) => {
          for (let i = 0; i < 10; i++) conn.send({ type: 'ok', id: f.id, count: i });
        },
      },
    });
    const client = await connectTcp(servers.tcpPort);
    await client.handshake();
    const write = vi.spyOn(Socket.prototype, 'write');
    client.send({ type: 'stationList', id: 4 });
    for (let i = 0; i < 10; i++)
      expect(await client.next()).toEqual({ type: 'ok', id: 4, count: i });
    const serverWrites = write.mock.contexts.filter(
      (socket) => (socket as Socket).localPort === servers.tcpPort,
    );
    expect(serverWrites).toHaveLength(1);
  });

  it('hands the sink one write per tick, however many frames were sent', async () => {
    const writes: Uint8Array[][] = [];
    const sink: FrameSink = {
      write: (bodies) => {
        writes.push(bodies);
      },
      bufferedBytes: () => 0,
      end: () => {},
      destroy: () => {},
    };
    const conn = new BrokerConnection({
      ...connectionOptions(sink, 1024 * 1024),
      handlers: stubHandlers({
        stationList: (c: Connection, f) => {
          for (let i = 0; i < 5; i++) c.send({ type: 'ok', id: f.id, count: i });
        },
      }),
    });
    conn.receive(encodeFrame({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1 }));
    await vi.waitFor(() => expect(writes).toHaveLength(1), { timeout: 10_000 }); // the welcome
    conn.receive(encodeFrame({ type: 'stationList', id: 2 }));
    conn.receive(encodeFrame({ type: 'ping', id: 3 }));
    await nextImmediate();
    expect(writes).toHaveLength(2);
    expect(writes[1]?.map((body) => decodeFrame(body).type)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'pong',
    ]);
    conn.close('SHUTTING_DOWN', 'test over');
  });

  it('says false past half the bound and resolves drained() once the sink empties', async () => {
    let buffered = 0;
    const sink: FrameSink = {
      write: (bodies) => {
        for (const body of bodies) buffered += body.length;
      },
      bufferedBytes: () => buffered,
      end: () => {},
      destroy: () => {},
    };
    const conn = new BrokerConnection(connectionOptions(sink, 100_000));
    expect(conn.send(deliver(1, 0, 30_000))).toBe(true);
    expect(conn.send(deliver(1, 1, 30_000))).toBe(false);
    let drained = false;
    const waiting = conn.drained().then(() => {
      drained = true;
    });
    await nextImmediate();
    expect(drained).toBe(false);
    buffered = 0;
    conn.writable();
    await waiting;
    expect(conn.closed).toBe(false);
    conn.close('SHUTTING_DOWN', 'test over');
  });
});
