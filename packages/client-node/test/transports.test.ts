/**
 * Both transports against a real broker, at the frame level: the handshake, batches of
 * frames, frames near the size limit, failures to connect, the broker dying, backpressure.
 */
import { Socket } from 'node:net';
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { DEFAULT_LIMITS, encodeFrame, type Frame } from '@ferry/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { closedPort } from './support/local-server.js';
import { type Frames, handshake, open, TOKEN } from './support/raw-frames.js';

let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({ token: TOKEN });
});

afterAll(async () => {
  await broker.stop();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const transports = [
  { name: 'tcp', url: (b: RunningBroker) => `ferry://127.0.0.1:${b.tcpPort}` },
  { name: 'ws', url: (b: RunningBroker) => `ws://127.0.0.1:${b.httpPort}/ws` },
];

async function expectFrame<T extends Frame['type']>(
  frames: Frames,
  type: T,
): Promise<Extract<Frame, { type: T }>> {
  const frame = await frames.next();
  expect(frame?.type).toBe(type);
  return frame as Extract<Frame, { type: T }>;
}

/** Produces `count` messages of maxMessageBytes, message i filled with byte i + 1. */
async function produceLarge(frames: Frames, station: string, count: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({
    payload: new Uint8Array(DEFAULT_LIMITS.maxMessageBytes).fill(i + 1),
  }));
  frames.send({ type: 'produce', id: 2, station, messages });
  const ack = await expectFrame(frames, 'produceAck');
  expect(ack.results.map((result) => result.kind)).toEqual(messages.map(() => 'ok'));
}

describe.each(transports)('the $name transport', ({ name, url }) => {
  it('completes the handshake, yielding plain Uint8Array bodies', async () => {
    const transport = await open(url(broker));
    const bodies = transport[Symbol.asyncIterator]();
    transport.send(
      encodeFrame({ type: 'hello', id: 1, minVersion: 1, maxVersion: 1, auth: { token: TOKEN } }),
    );
    const { value } = await bodies.next();
    // Bodies leave the Node edge as Uint8Array, never as Buffer.
    expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
    await transport.close();
    expect(await transport.closed()).toBeUndefined();
    expect(await bodies.next()).toEqual({ done: true, value: undefined });
  });

  it('sends the 500 frames of one tick, and reads the 500 replies in order', async () => {
    const frames = await handshake(url(broker));
    const ids = Array.from({ length: 500 }, (_, i) => i + 1);
    for (const id of ids) frames.send({ type: 'ping', id });
    const pongs: number[] = [];
    while (pongs.length < ids.length) pongs.push((await expectFrame(frames, 'pong')).id);
    expect(pongs).toEqual(ids);
    await frames.transport.close();
  });

  it('carries frames near maxFrameBytes both ways', async () => {
    const frames = await handshake(url(broker));
    const station = `large-${name}`;
    // Eight messages of maxMessageBytes are maxBatchBytes: one produce frame of over 8 MiB,
    // and one deliver frame as large.
    await produceLarge(frames, station, 8);
    frames.send({
      type: 'subscribe',
      id: 3,
      sid: 1,
      station,
      group: 'g',
      options: { start: { kind: 'earliest' }, credit: 8 },
    });
    await expectFrame(frames, 'subscribed');
    const payloads: Uint8Array[] = [];
    while (payloads.length < 8) {
      const deliver = await expectFrame(frames, 'deliver');
      payloads.push(...deliver.messages.map((message) => message.payload));
    }
    payloads.forEach((payload, i) => {
      expect(payload.length).toBe(DEFAULT_LIMITS.maxMessageBytes);
      expect(payload.every((byte) => byte === i + 1)).toBe(true);
    });
    await frames.transport.close();
  });

  it('closes with FRAME_TOO_LARGE when the broker sends a frame over maxFrameBytes', async () => {
    const producer = await handshake(url(broker));
    const station = `too-large-${name}`;
    await produceLarge(producer, station, 2);
    await producer.transport.close();

    const frames = await handshake(url(broker), { maxFrameBytes: 1.5 * 1024 * 1024 });
    frames.send({
      type: 'subscribe',
      id: 2,
      sid: 1,
      station,
      group: 'g',
      options: { start: { kind: 'earliest' }, credit: 2 },
    });
    await expectFrame(frames, 'subscribed');
    // The deliver frame of two 1 MiB messages never arrives: the transport closes instead.
    expect(await frames.next()).toBeUndefined();
    expect(await frames.transport.closed()).toMatchObject({
      name: 'ProtocolError',
      code: 'FRAME_TOO_LARGE',
    });
  });

  it('pauses reading while its frames are not consumed, and loses none', async () => {
    const pause = vi.spyOn(Socket.prototype, 'pause');
    const resume = vi.spyOn(Socket.prototype, 'resume');
    const frames = await handshake(url(broker));
    const isOurs = (socket: unknown): socket is Socket =>
      socket instanceof Socket &&
      (socket.remotePort === broker.tcpPort || socket.remotePort === broker.httpPort);
    const count = 200_000;
    for (let id = 1; id <= count; id++) frames.send({ type: 'ping', id });

    // Generous waits: on a loaded machine the broker takes a while to answer 200k pings.
    const socket = await vi.waitFor(
      () => {
        const paused = pause.mock.contexts.find(isOurs);
        if (paused === undefined) throw new Error('the socket was not paused');
        return paused;
      },
      { timeout: 30_000 },
    );
    // Once paused, the socket stops reading: bytesRead settles far below the replies' size.
    let last = -1;
    await vi.waitFor(
      () => {
        const read = socket.bytesRead;
        const settled = read === last;
        last = read;
        if (!settled) throw new Error('still reading');
      },
      { interval: 100, timeout: 30_000 },
    );
    expect(socket.isPaused()).toBe(true);
    // The replies take over 1.5 MB on the wire, whichever the transport.
    expect(last).toBeLessThan(512 * 1024);

    let pongs = 0;
    while (pongs < count) if ((await frames.next())?.type === 'pong') pongs++;
    expect(resume.mock.contexts).toContain(socket);
    await frames.transport.close();
  });

  it('closes when a for-await loop over it is left', async () => {
    const frames = await handshake(url(broker));
    frames.send({ type: 'ping', id: 7 });
    for await (const _ of frames.transport) break;
    expect(await frames.transport.closed()).toBeUndefined();
  });

  it('ends its iterator and settles closed() when the broker is killed', async () => {
    const doomed = await startBroker({ token: TOKEN });
    const frames = await handshake(url(doomed));
    await doomed.kill();
    expect(await frames.drain()).toBe(0);
    const reason = await frames.transport.closed();
    expect(reason === undefined || reason instanceof Error).toBe(true);
  });

  it('rejects CONNECTION_FAILED, with the cause, when nothing listens', async () => {
    const port = await closedPort();
    const target = url({ ...broker, tcpPort: port, httpPort: port });
    await expect(open(target)).rejects.toMatchObject({
      name: 'ConnectionError',
      code: 'CONNECTION_FAILED',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('rejects ABORTED, with the reason as cause, when the signal fires while connecting', async () => {
    const controller = new AbortController();
    const opening = open(url(broker), { signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(opening).rejects.toMatchObject({
      name: 'AbortError',
      code: 'ABORTED',
      cause: reason,
    });
  });

  it('rejects ABORTED without connecting when the signal has fired already', async () => {
    const connecting = vi.spyOn(Socket.prototype, 'connect');
    await expect(open(url(broker), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(connecting).toHaveBeenCalledTimes(0);
  });
});

describe('nodeTransport', () => {
  it('tcp: is ferry:', async () => {
    const frames = await handshake(`tcp://127.0.0.1:${broker.tcpPort}`);
    await frames.transport.close();
  });

  it('rejects CONNECTION_FAILED for options or URLs refused before connecting', async () => {
    // Not a TLS version: Node refuses it before it opens a socket.
    await expect(
      open(`ferrys://127.0.0.1:${broker.tcpPort}`, { tls: { minVersion: 'TLSv9' as 'TLSv1.3' } }),
    ).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      cause: { code: 'ERR_TLS_INVALID_PROTOCOL_VERSION' },
    });
    await expect(open(`ws://127.0.0.1:${broker.httpPort}/ws#fragment`)).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      cause: { name: 'SyntaxError' },
    });
  });

  it('must be one the transport knows', async () => {
    await expect(open(`http://127.0.0.1:${broker.httpPort}/ws`)).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      message: expect.stringContaining('http:'),
    });
  });
});
