/**
 * The TCP transport against a loopback peer that does what a broker never does: dribbles its
 * bytes, breaks the framing, and counts the client's writes.
 */
import { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  DEFAULT_LIMITS,
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameReader,
  frame as withLength,
} from '@ferry/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LocalServer, listen } from './support/local-server.js';
import { open } from './support/raw-frames.js';

let server: LocalServer | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

const FRAMES: Frame[] = [
  {
    type: 'welcome',
    id: 1,
    version: 1,
    serverName: 'test',
    serverVersion: '0.0.0',
    connectionId: 'c1',
    limits: DEFAULT_LIMITS,
  },
  { type: 'pong', id: 2 },
  {
    type: 'deliver',
    sid: 1,
    messages: [
      { partition: 0, offset: 0, timestamp: 0, deliveryCount: 1, payload: new Uint8Array(3000) },
    ],
  },
  { type: 'pong', id: 4 },
];

function stream(frames: readonly Frame[]): Uint8Array {
  const parts = frames.map((frame) => withLength(encodeFrame(frame)));
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function readAll(transport: AsyncIterable<Uint8Array>): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const body of transport) frames.push(decodeFrame(body));
  return frames;
}

describe('the TCP transport', () => {
  it('[FRAME-4] yields the same frames whatever the chunk boundaries', async () => {
    const bytes = stream(FRAMES);
    server = await listen(async (socket) => {
      socket.setNoDelay(true);
      // Chunks of 1, 2, 3... bytes, each in its own turn, cut headers and bodies anywhere.
      for (let offset = 0, size = 1; offset < bytes.length; offset += size, size = (size % 7) + 1) {
        socket.write(bytes.subarray(offset, offset + size));
        await nextTurn();
      }
      socket.end();
    });
    const transport = await open(`ferry://127.0.0.1:${server.port}`);
    expect(await readAll(transport)).toEqual(FRAMES);
    expect(await transport.closed()).toBeUndefined();
  });

  it('[FRAME-3] closes with MALFORMED_FRAME on a zero length, after the frames before it', async () => {
    let peer: Socket | undefined;
    server = await listen((socket) => {
      peer = socket;
      socket.write(stream(FRAMES.slice(0, 2)));
    });
    const transport = await open(`ferry://127.0.0.1:${server.port}`);
    const bodies = transport[Symbol.asyncIterator]();
    await bodies.next();
    await bodies.next();
    // Sent once the frames before it were read: a chunk that breaks the framing drops its frames.
    peer?.write(new Uint8Array(4));
    expect(await bodies.next()).toEqual({ done: true, value: undefined });
    expect(await transport.closed()).toMatchObject({
      name: 'ProtocolError',
      code: 'MALFORMED_FRAME',
    });
  });

  it('[FRAME-2] closes with FRAME_TOO_LARGE on a length over maxFrameBytes', async () => {
    server = await listen((socket) => {
      socket.write(new Uint8Array([0, 0, 4, 1]));
    });
    const transport = await open(`ferry://127.0.0.1:${server.port}`, { maxFrameBytes: 1024 });
    expect(await readAll(transport)).toEqual([]);
    expect(await transport.closed()).toMatchObject({ code: 'FRAME_TOO_LARGE' });
  });

  it('closes with MALFORMED_FRAME when the stream ends inside a frame', async () => {
    const bytes = stream(FRAMES.slice(0, 2));
    server = await listen((socket) => {
      socket.end(bytes.subarray(0, bytes.length - 1));
    });
    const transport = await open(`ferry://127.0.0.1:${server.port}`);
    expect((await readAll(transport)).map((frame) => frame.type)).toEqual(['welcome']);
    expect(await transport.closed()).toMatchObject({ code: 'MALFORMED_FRAME' });
  });

  it('writes the frames sent in one tick with one write, without Nagle delays', async () => {
    const received = new FrameReader();
    const bodies: Uint8Array[] = [];
    server = await listen((socket) => {
      socket.on('data', (chunk: Buffer) => bodies.push(...received.push(chunk)));
    });
    const write = vi.spyOn(Socket.prototype, 'write');
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    const transport = await open(`ferry://127.0.0.1:${server.port}`);
    const sent = Array.from({ length: 500 }, (_, i) => encodeFrame({ type: 'ping', id: i + 1 }));
    for (const body of sent) transport.send(body);
    await vi.waitFor(() => expect(bodies).toHaveLength(sent.length), { timeout: 10_000 });
    expect(bodies.map((body) => [...body])).toEqual(sent.map((body) => [...body]));
    const port = server.port;
    expect(
      write.mock.contexts.filter((socket) => (socket as Socket).remotePort === port),
    ).toHaveLength(1);
    expect(noDelay).toHaveBeenCalledWith(true);
    await transport.close();
  });

  it('sends what was queued in the tick it closes in, then closes', async () => {
    const bodies: Uint8Array[] = [];
    let ended = false;
    server = await listen((socket) => {
      const reader = new FrameReader();
      socket.on('data', (chunk: Buffer) => bodies.push(...reader.push(chunk)));
      socket.on('end', () => {
        ended = true;
      });
    });
    const transport = await open(`ferry://127.0.0.1:${server.port}`);
    transport.send(encodeFrame({ type: 'ping', id: 9 }));
    await transport.close();
    await vi.waitFor(() => expect(ended).toBe(true), { timeout: 10_000 });
    expect(bodies.map((body) => decodeFrame(body))).toEqual([{ type: 'ping', id: 9 }]);
    expect(await transport.closed()).toBeUndefined();
  });

  it('pauses reading at the inbound limits it is given', async () => {
    server = await listen((socket) => {
      socket.write(stream(FRAMES));
    });
    const pause = vi.spyOn(Socket.prototype, 'pause');
    const transport = await open(`ferry://127.0.0.1:${server.port}`, {
      inbound: { maxFrames: 2 },
    });
    const port = server.port;
    const ours = () =>
      pause.mock.contexts.filter((socket) => (socket as Socket).remotePort === port);
    await vi.waitFor(() => expect(ours()).toHaveLength(1), { timeout: 10_000 });
    const bodies = transport[Symbol.asyncIterator]();
    for (const frame of FRAMES) expect(decodeFrame((await bodies.next()).value)).toEqual(frame);
    await transport.close();
  });

  it('drops the connection after a linger when the peer never hangs up', async () => {
    // Half-open: the peer sees the client's end but never ends its own side.
    server = await listen(() => {}, { allowHalfOpen: true });
    const transport = await open(`ferry://127.0.0.1:${server.port}`);
    await transport.close();
    expect(await transport.closed()).toBeUndefined();
  });
});
