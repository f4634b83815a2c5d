/**
 * Write backpressure in both transports [CLIENT-6]: past the high-water mark send() answers
 * false, drained() waits for the peer to read, and a close ends the wait.
 */
import type { AddressInfo, Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Transport } from '@ferry/client';
import { pastKernelBuffers } from '@ferry/conformance/kernel-buffers';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { type LocalServer, listen } from './support/local-server.js';
import { open } from './support/raw-frames.js';

const FRAME_BYTES = 256 * 1024;

/** A peer that reads nothing until told to, then counts what it reads. */
interface StalledPeer {
  url: string;
  /** Resolves once the client is connected to it. */
  connected: Promise<void>;
  /** Starts reading, and counting what arrives. */
  read(): void;
  received(): number;
  /** Resolves once the peer has read `bytes` in all. */
  receivedAtLeast(bytes: number): Promise<void>;
  /** Drops the connection. */
  hangUp(): void;
  close(): Promise<void>;
}

/** Counts bytes, and tells a waiter once they reach its figure. */
function counter() {
  let count = 0;
  let waiter: { bytes: number; resolve: () => void } | undefined;
  return {
    add(bytes: number): void {
      count += bytes;
      if (waiter !== undefined && count >= waiter.bytes) waiter.resolve();
    },
    count: () => count,
    atLeast: (bytes: number): Promise<void> =>
      count >= bytes
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiter = { bytes, resolve };
          }),
  };
}

async function tcpPeer(): Promise<StalledPeer> {
  let socket: Socket | undefined;
  const received = counter();
  let connected!: () => void;
  const server: LocalServer = await listen((peer) => {
    socket = peer;
    peer.pause();
    peer.on('data', (chunk: Buffer) => received.add(chunk.length));
    connected();
  });
  return {
    url: `ferry://127.0.0.1:${server.port}`,
    connected: new Promise((resolve) => {
      connected = resolve;
    }),
    read: () => socket?.resume(),
    received: received.count,
    receivedAtLeast: received.atLeast,
    hangUp: () => socket?.destroy(),
    close: () => server.close(),
  };
}

async function webSocketPeer(): Promise<StalledPeer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: FRAME_BYTES });
  await new Promise((resolve) => wss.once('listening', resolve));
  let socket: WebSocket | undefined;
  const received = counter();
  const connected = new Promise<void>((resolve) => {
    wss.once('connection', (peer) => {
      socket = peer;
      // Stops reading the TCP socket under it.
      peer.pause();
      peer.on('message', (data: Buffer) => received.add(data.length));
      resolve();
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
    connected,
    read: () => socket?.resume(),
    received: received.count,
    receivedAtLeast: received.atLeast,
    hangUp: () => socket?.terminate(),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

let peer: StalledPeer | undefined;

afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

/** Sends frames past what the kernel can hold; resolves with each send()'s answer. */
function fill(transport: Transport): boolean[] {
  const frame = new Uint8Array(FRAME_BYTES).fill(1);
  const answers: boolean[] = [];
  for (let sent = 0; sent < pastKernelBuffers(); sent += FRAME_BYTES) {
    answers.push(transport.send(frame));
  }
  return answers;
}

describe.each([
  { name: 'tcp', start: tcpPeer },
  { name: 'ws', start: webSocketPeer },
])('the $name transport', ({ start }) => {
  it('resolves drained() at once while under the mark', async () => {
    peer = await start();
    const transport = await open(peer.url);
    expect(transport.send(new Uint8Array(100))).toBe(true);
    await transport.drained();
    await transport.close();
  });

  it('answers false past the mark, and drains once the peer reads', async () => {
    peer = await start();
    const transport = await open(peer.url);
    await peer.connected;
    const answers = fill(transport);
    expect(answers[0]).toBe(true);
    expect(answers.at(-1)).toBe(false);
    // Every frame was queued: the peer gets them all.
    const total = answers.length * FRAME_BYTES;

    let drained = false;
    const draining = transport.drained().then(() => {
      drained = true;
    });
    // The peer has not read, so more than the kernel holds is still waiting.
    await nextTurn();
    expect(drained).toBe(false);

    peer.read();
    await draining;
    expect(peer.received()).toBeGreaterThan(0);
    expect(transport.send(new Uint8Array(100))).toBe(true);
    await peer.receivedAtLeast(total);
    await transport.close();
  });

  it('resolves drained() when the transport is closed', async () => {
    peer = await start();
    const transport = await open(peer.url);
    await peer.connected;
    expect(fill(transport).at(-1)).toBe(false);
    const draining = transport.drained();
    await transport.close();
    await draining;
  });

  it('resolves drained() when the peer hangs up', async () => {
    peer = await start();
    const transport = await open(peer.url);
    await peer.connected;
    expect(fill(transport).at(-1)).toBe(false);
    const draining = transport.drained();
    peer.hangUp();
    await draining;
    await transport.closed();
    // Nothing more to wait for once closed.
    expect(transport.send(new Uint8Array(100))).toBe(true);
    await transport.drained();
  });
});
