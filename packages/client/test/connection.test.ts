import { afterEach, describe, expect, it } from 'vitest';
import { type Client, connect } from '../src/index.js';
import { FakeBroker, until } from './support/fake-broker.js';

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

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

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

  it('aborts connecting with ABORTED, and times out with TIMEOUT', async () => {
    const silent = new FakeBroker();
    silent.script = () => undefined;
    await expect(
      connect(URL_, { transport: silent.factory, signal: AbortSignal.abort('bye') }),
    ).rejects.toMatchObject({ code: 'ABORTED', cause: 'bye' });
    await expect(
      connect(URL_, { transport: silent.factory, connectTimeoutMs: 30 }),
    ).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
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
    await expect(client.stations.info('x')).rejects.toMatchObject({
      code: 'TIMEOUT',
      retriable: true,
    });
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
