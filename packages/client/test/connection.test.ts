import { encodeFrame, type Frame, ProtocolError } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../src/connection.js';
import {
  type Client,
  ClientFrameError,
  type ConnectOptions,
  connect,
  MalformedFrameError,
  ProtocolViolationError,
  TimeoutError,
  type TransportOptions,
  UnexpectedReplyError,
} from '../src/index.js';
import { DEFAULT_INBOUND_LIMITS } from '../src/internal/frame-queue.js';
import { resolveOptions } from '../src/options.js';
import { FakeBroker, nextStatus, openClient, type Script, until } from './support/fake-broker.js';

const URL_ = 'ferry://fake:6666';
const clients: Client[] = [];

async function open(
  broker: FakeBroker,
  options: Parameters<typeof connect>[1] extends infer O ? Partial<O> : never = {},
): Promise<Client> {
  const client = await connect(URL_, { transport: broker.factory, reconnect: false, ...options });
  clients.push(client);
  return client;
}

const connections: Connection[] = [];

afterEach(async () => {
  await Promise.all([
    ...clients.splice(0).map((client) => client.close()),
    ...connections.splice(0).map((conn) => conn.close()),
  ]);
});

/** The connection engine alone, over `broker`, reconnecting fast. */
async function openConnection(
  broker: FakeBroker,
  options: Partial<ConnectOptions> = {},
): Promise<Connection> {
  const conn = new Connection(
    resolveOptions({
      transport: broker.factory,
      reconnect: { initialDelayMs: 1, maxDelayMs: 4 },
      ...options,
    }),
    [new URL(URL_)],
  );
  connections.push(conn);
  await conn.open(undefined);
  return conn;
}

const info = (name: string) => ({
  name,
  config: {},
  createdAt: 1,
  partitions: [],
  groups: [],
  deadLetters: 0,
});

/** Answers stationInfo with its station and every settlement with ok. */
const answers: Script = (frame) => {
  if (frame.type === 'stationInfo')
    return [{ type: 'station', id: frame.id, info: info(frame.name) }];
  if (frame.type === 'ack' || frame.type === 'nack') return [{ type: 'ok', id: frame.id }];
  return undefined;
};

describe('handshake', () => {
  it('sends hello first and exposes the welcome', async () => {
    const broker = new FakeBroker({ limits: { maxMessageBytes: 1234 } });
    const client = await open(broker, { auth: { token: 't' }, name: 'app' });
    const hello = broker.frames[0];
    expect(hello).toMatchObject({
      type: 'hello',
      minVersion: 1,
      maxVersion: 1,
      auth: { token: 't' },
      clientName: 'app',
    });
    expect(client.server).toMatchObject({
      serverName: 'fake',
      version: 1,
      connectionId: 'c1',
      url: URL_,
    });
    expect(client.server.limits.maxMessageBytes).toBe(1234);
    expect(client.connected).toBe(true);
  });

  it('rejects with the server error code when hello is refused', async () => {
    const broker = new FakeBroker();
    broker.helloError = { code: 'AUTH_FAILED', retriable: false };
    await expect(open(broker)).rejects.toMatchObject({ code: 'AUTH_FAILED', retriable: false });
  });

  it('rejects CONNECTION_FAILED with the cause when no server answers', async () => {
    const broker = new FakeBroker();
    const cause = new Error('ECONNREFUSED');
    broker.refuse = cause;
    await expect(open(broker)).rejects.toMatchObject({ code: 'CONNECTION_FAILED', cause });
  });

  it('tries every server in turn on the first connect', async () => {
    const broker = new FakeBroker();
    const refusing = new FakeBroker();
    refusing.refuse = new Error('down');
    const client = await connect(['ferry://a:1', 'ferry://b:2'], {
      reconnect: false,
      transport: (options) =>
        options.url.hostname === 'a' ? refusing.factory(options) : broker.factory(options),
    });
    clients.push(client);
    expect(client.server.url).toBe('ferry://b:2');
  });

  it('passes the inbound limits to the transport factory, the defaults filled in', async () => {
    const broker = new FakeBroker();
    const seen: TransportOptions[] = [];
    const client = await connect(URL_, {
      reconnect: false,
      inbound: { maxFrames: 64 },
      transport: (options) => {
        seen.push(options);
        return broker.factory(options);
      },
    });
    clients.push(client);
    expect(seen.map((options) => options.inbound)).toEqual([
      { maxBytes: DEFAULT_INBOUND_LIMITS.maxBytes, maxFrames: 64 },
    ]);
  });

  it('aborts connecting with ABORTED, and times out with TIMEOUT', async () => {
    const silent = new FakeBroker();
    silent.script = () => undefined;
    await expect(
      connect(URL_, { transport: silent.factory, signal: AbortSignal.abort('bye') }),
    ).rejects.toMatchObject({ code: 'ABORTED', cause: 'bye' });
    const timedOut = connect(URL_, { transport: silent.factory, connectTimeoutMs: 30 });
    await expect(timedOut).rejects.toBeInstanceOf(TimeoutError);
    await expect(timedOut).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('requests', () => {
  it('correlates replies by id, whatever their order', async () => {
    const broker = new FakeBroker({
      script: (frame, link) => {
        if (frame.type !== 'stationInfo') return undefined;
        const reply = {
          type: 'station' as const,
          id: frame.id,
          info: {
            name: frame.name,
            config: {},
            createdAt: 1,
            partitions: [],
            groups: [],
            deadLetters: 0,
          },
        };
        // Answer the first request last.
        setTimeout(() => link.push(reply), frame.name === 'first' ? 20 : 0);
        return undefined;
      },
    });
    const client = await open(broker);
    const [first, second] = await Promise.all([
      client.stations.info('first'),
      client.stations.info('second'),
    ]);
    expect([first.name, second.name]).toEqual(['first', 'second']);
  });

  it('times out with TIMEOUT, aborts with ABORTED, and ignores a late reply', async () => {
    const broker = new FakeBroker();
    const client = await open(broker, { requestTimeoutMs: 20 });
    const timedOut = client.stations.info('x');
    await expect(timedOut).rejects.toBeInstanceOf(TimeoutError);
    await expect(timedOut).rejects.toMatchObject({ code: 'TIMEOUT', retriable: true });
    const controller = new AbortController();
    const aborted = client.stations.info('y', { signal: controller.signal });
    controller.abort(new Error('changed my mind'));
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    const late = broker.sent('stationInfo')[0];
    broker.link.push({
      type: 'station',
      id: late?.id ?? 0,
      info: { name: 'x', config: {}, createdAt: 1, partitions: [], groups: [], deadLetters: 0 },
    });
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it('turns an error frame into a ServerError with the code and retriable flag', async () => {
    const broker = new FakeBroker({
      script: (frame) =>
        frame.type === 'stationInfo'
          ? [
              {
                type: 'error',
                id: frame.id,
                code: 'STATION_NOT_FOUND',
                number: 40,
                retriable: false,
                message: 'no station x',
              },
            ]
          : undefined,
    });
    const client = await open(broker);
    await expect(client.stations.info('x')).rejects.toMatchObject({
      name: 'ServerError',
      code: 'STATION_NOT_FOUND',
      number: 40,
      message: 'no station x',
    });
  });

  it('rejects an over-limit field at once with the codec error, sending nothing', async () => {
    const broker = new FakeBroker({ limits: { maxNameBytes: 8 } });
    const client = await open(broker);
    const before = broker.frames.length;
    await expect(client.stations.info('a-name-longer-than-eight')).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'LIMIT_EXCEEDED',
    });
    expect(broker.frames.length).toBe(before);
  });
});

describe('heartbeats', () => {
  it('answers server pings with pong', async () => {
    const broker = new FakeBroker();
    await open(broker);
    broker.link.push({ type: 'ping', id: 77 });
    await until(() => broker.sent('pong').some((pong) => pong.id === 77));
  });

  it('pings a quiet server and drops a silent one', async () => {
    const broker = new FakeBroker({ limits: { heartbeatIntervalMs: 10, idleTimeoutMs: 60 } });
    broker.answerPings = false;
    const client = await open(broker);
    await until(() => broker.sent('ping').length > 0);
    // The fake never answers pings: after the idle timeout the client gives up on the session.
    expect(await client.closed()).toMatchObject({ code: 'CONNECTION_CLOSED' });
  });
});

describe('close', () => {
  it('fails waiting calls with CLIENT_CLOSED and ends the status stream', async () => {
    const broker = new FakeBroker();
    const client = await open(broker);
    const events = client.status();
    const waiting = client.stations.info('x');
    await client.close();
    await expect(waiting).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    const seen: string[] = [];
    for await (const event of events) seen.push(event.type);
    expect(seen).toEqual(['closed']);
    expect(await client.closed()).toBeUndefined();
    expect(() => client.producer('s')).toThrow(expect.objectContaining({ code: 'CLIENT_CLOSED' }));
  });
});

describe('protocol violations by the server', () => {
  it('a reply of another type than the spec names fails the request with PROTOCOL_VIOLATION, and the client reconnects', async () => {
    const broker = new FakeBroker({
      script: (frame) =>
        frame.type === 'stationInfo' ? [{ type: 'ok', id: frame.id }] : undefined,
    });
    const client = await openClient(broker);
    const first = broker.link;
    const reported = nextStatus(client, 'error');
    const disconnected = nextStatus(client, 'disconnected');
    const connected = nextStatus(client, 'connected');
    const failure = client.stations.info('x');
    await expect(failure).rejects.toBeInstanceOf(UnexpectedReplyError);
    await expect(failure).rejects.toMatchObject({
      code: 'PROTOCOL_VIOLATION',
      retriable: true,
      expected: 'station',
      received: 'ok',
    });
    expect((await reported).error).toBeInstanceOf(UnexpectedReplyError);
    expect((await disconnected).error).toBeInstanceOf(UnexpectedReplyError);
    await connected;
    expect(first.isOpen).toBe(false);
    expect(first.closedByServer).toBe(false);
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it('a frame only a client sends drops the connection with PROTOCOL_VIOLATION; what was on the wire fails CONNECTION_CLOSED', async () => {
    const broker = new FakeBroker();
    const client = await openClient(broker);
    const onWire = client.stations.info('x');
    await until(() => broker.sent('stationInfo').length === 1);
    const disconnected = nextStatus(client, 'disconnected');
    const connected = nextStatus(client, 'connected');
    broker.link.push({ type: 'credit', sid: 1, credit: 5 });
    const { error } = await disconnected;
    expect(error).toBeInstanceOf(ClientFrameError);
    expect(error).toMatchObject({ code: 'PROTOCOL_VIOLATION', frameType: 'credit' });
    const lost = await onWire.catch((failure: unknown) => failure);
    expect(lost).toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect((lost as Error).cause).toBe(error);
    await connected;
  });

  it('bytes the codec rejects drop the connection with PROTOCOL_VIOLATION, the codec error as its cause', async () => {
    const broker = new FakeBroker();
    const client = await openClient(broker);
    const disconnected = nextStatus(client, 'disconnected');
    broker.link.pushRaw(new Uint8Array([0xc1]));
    const { error } = await disconnected;
    expect(error).toBeInstanceOf(MalformedFrameError);
    expect(error).toBeInstanceOf(ProtocolViolationError);
    expect((error as Error).cause).toBeInstanceOf(ProtocolError);
  });

  it('with reconnect off, a violation closes the client', async () => {
    const broker = new FakeBroker();
    const client = await open(broker);
    broker.link.push({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1 });
    const error = await client.closed();
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect((error as Error).cause).toBeInstanceOf(ClientFrameError);
  });

  it('a handshake answered with another frame than welcome fails with PROTOCOL_VIOLATION', async () => {
    const broker = new FakeBroker();
    broker.script = (frame) =>
      frame.type === 'hello' ? [{ type: 'ok', id: frame.id }] : undefined;
    await expect(open(broker)).rejects.toBeInstanceOf(UnexpectedReplyError);
  });

  it('a handshake answered with a frame only a client sends fails with PROTOCOL_VIOLATION', async () => {
    const broker = new FakeBroker();
    broker.script = (frame) =>
      frame.type === 'hello' ? [{ type: 'stationInfo', id: frame.id, name: 'x' }] : undefined;
    const error = await open(broker).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ClientFrameError);
    expect(error).toMatchObject({ code: 'PROTOCOL_VIOLATION', frameType: 'stationInfo' });
  });
});

describe('write backpressure [CLIENT-6]', () => {
  it('stops writing while the transport is full and sends what waited, in order, once it drains', async () => {
    const broker = new FakeBroker({ script: answers });
    const conn = await openConnection(broker);
    const link = broker.link;
    link.fill();
    const names = ['a', 'b', 'c', 'd'];
    const replies = names.map((name) => conn.request({ type: 'stationInfo', id: 0, name }));
    // The first frame went into the full transport; the others wait in the outbox.
    expect(link.heldFrames.map((frame) => frame.type)).toEqual(['stationInfo']);
    link.drain();
    const infos = await Promise.all(replies);
    expect(infos.map((reply) => reply.info.name)).toEqual(names);
    expect(broker.sent('stationInfo').map((frame) => frame.name)).toEqual(names);
  });

  it('keeps credit and settlements of a session in order while they wait', async () => {
    const broker = new FakeBroker({ script: answers });
    const conn = await openConnection(broker);
    const session = conn.session;
    const link = broker.link;
    const ref = { partition: 0, offset: 1 };
    link.fill();
    const sent: Promise<unknown>[] = [];
    expect(conn.post({ type: 'credit', sid: 1, credit: 1 }, session)).toBe(true);
    sent.push(conn.request({ type: 'ack', id: 0, sid: 1, refs: [ref] }, { session }));
    expect(conn.post({ type: 'credit', sid: 1, credit: 2 }, session)).toBe(true);
    sent.push(conn.request({ type: 'nack', id: 0, sid: 1, refs: [ref] }, { session }));
    expect(conn.post({ type: 'credit', sid: 1, credit: 3 }, session)).toBe(true);
    link.drain();
    await Promise.all(sent);
    const order = link.received
      .slice(1)
      .map((frame: Frame) => (frame.type === 'credit' ? `credit ${frame.credit}` : frame.type));
    expect(order).toEqual(['credit 1', 'ack', 'credit 2', 'nack', 'credit 3']);
  });

  it('bounds what waits by the buffer limits: past them, BUFFER_FULL at once', async () => {
    const broker = new FakeBroker({ script: answers });
    const conn = await openConnection(broker, { buffer: { maxFrames: 2 } });
    broker.link.fill();
    const kept = ['a', 'b', 'c'].map((name) => conn.request({ type: 'stationInfo', id: 0, name }));
    await expect(conn.request({ type: 'stationInfo', id: 0, name: 'd' })).rejects.toMatchObject({
      code: 'BUFFER_FULL',
    });
    broker.link.drain();
    expect((await Promise.all(kept)).map((reply) => reply.info.name)).toEqual(['a', 'b', 'c']);
  });

  it('when the session ends meanwhile, its settlements fail and other requests go out on the next one', async () => {
    const broker = new FakeBroker({ script: answers });
    const conn = await openConnection(broker);
    const session = conn.session;
    const first = broker.link;
    first.fill();
    conn.post({ type: 'credit', sid: 1, credit: 1 }, session);
    const ack = conn.request(
      { type: 'ack', id: 0, sid: 1, refs: [{ partition: 0, offset: 1 }] },
      { session },
    );
    const info = conn.request({ type: 'stationInfo', id: 0, name: 'later' });
    const connected = new Promise<void>((resolve) =>
      conn.status.on((event) => {
        if (event.type === 'connected') resolve();
      }),
    );
    first.drop();
    await expect(ack).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await connected;
    expect((await info).info.name).toBe('later');
    expect(broker.link.received.map((frame) => frame.type)).toEqual(['hello', 'stationInfo']);
  });

  it('the first frame past the mark is written, not lost', async () => {
    const broker = new FakeBroker({ script: answers });
    const conn = await openConnection(broker);
    broker.link.fill();
    const reply = conn.request({ type: 'stationInfo', id: 0, name: 'first' });
    expect(broker.link.heldFrames).toHaveLength(1);
    expect(encodeFrame(broker.link.heldFrames[0] as Frame).length).toBeGreaterThan(0);
    broker.link.drain();
    expect((await reply).info.name).toBe('first');
  });
});

/** Resolves with the next status event of `type` the connection emits. */
function nextEvent(conn: Connection, type: string): Promise<void> {
  return new Promise((resolve) => {
    const off = conn.status.on((event) => {
      if (event.type !== type) return;
      off();
      resolve();
    });
  });
}

describe('after goingAway [CLIENT-5]', () => {
  it('settlements bound to the leaving session go out and are answered; credit and other bound requests are refused; unbound requests wait for the next session', async () => {
    const broker = new FakeBroker({ script: answers });
    const conn = await openConnection(broker, { reconnect: { initialDelayMs: 1, maxDelayMs: 1 } });
    const session = conn.session;
    const first = broker.link;
    // An unanswered request keeps the leaving connection open while the test looks at it.
    const held = conn.request({ type: 'stationList', id: 0 }).catch(() => undefined);
    const goingAway = nextEvent(conn, 'goingAway');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
    await goingAway;
    const ack = await conn.request(
      { type: 'ack', id: 0, sid: 1, refs: [{ partition: 0, offset: 1 }] },
      { session },
    );
    expect(ack.type).toBe('ok');
    expect(conn.post({ type: 'credit', sid: 1, credit: 1 }, session)).toBe(false);
    await expect(
      conn.request({ type: 'unsubscribe', id: 0, sid: 1 }, { session }),
    ).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    const later = conn.request({ type: 'stationInfo', id: 0, name: 'later' });
    expect(first.received.map((frame) => frame.type)).toEqual(['hello', 'stationList', 'ack']);
    const connected = nextEvent(conn, 'connected');
    first.drop();
    await held;
    await connected;
    expect((await later).info.name).toBe('later');
    expect(broker.link.received.map((frame) => frame.type)).toEqual(['hello', 'stationInfo']);
  });

  it('while the transport is full, the leaving session keeps its settlements in order, writes them once it drains and closes after their replies; unbound requests stay for the next session', async () => {
    // Settlements are answered by the test.
    const broker = new FakeBroker({
      script: (frame) =>
        frame.type === 'stationInfo'
          ? [{ type: 'station', id: frame.id, info: info(frame.name) }]
          : undefined,
    });
    const conn = await openConnection(broker, { reconnect: { initialDelayMs: 1, maxDelayMs: 1 } });
    const session = conn.session;
    const first = broker.link;
    const settle = (type: 'ack' | 'nack', offset: number) =>
      conn.request({ type, id: 0, sid: 1, refs: [{ partition: 0, offset }] }, { session });
    const before = settle('ack', 0);
    const goingAway = nextEvent(conn, 'goingAway');
    first.push({ type: 'goingAway', reason: 'restart', reconnectAfterMs: 1 });
    await goingAway;
    first.fill();
    const written = settle('ack', 1);
    const waiting = settle('nack', 2);
    const later = conn.request({ type: 'stationInfo', id: 0, name: 'later' });
    expect(first.heldFrames.map((frame) => frame.type)).toEqual(['ack']);
    first.drain();
    await until(() => first.received.some((frame) => frame.type === 'nack'));
    expect(first.received.map((frame) => frame.type)).toEqual(['hello', 'ack', 'ack', 'nack']);
    const ids = first.received.slice(1).map((frame) => (frame as { id: number }).id);
    first.push({ type: 'ok', id: ids[0] as number });
    first.push({ type: 'ok', id: ids[1] as number });
    await Promise.all([before, written]);
    expect(first.isOpen).toBe(true);
    const disconnected = nextEvent(conn, 'disconnected');
    first.push({ type: 'ok', id: ids[2] as number });
    await waiting;
    await disconnected;
    expect(first.closedByServer).toBe(false);
    expect((await later).info.name).toBe('later');
    expect(broker.link.received.map((frame) => frame.type)).toEqual(['hello', 'stationInfo']);
  });
});
