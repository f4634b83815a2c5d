/**
 * The WebSocket transport against a loopback `ws` server that does what a broker never does:
 * text messages, fragmented messages, odd close codes, silence during the upgrade.
 */
import type { AddressInfo } from 'node:net';
import { encodeFrame } from '@ferry/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { type LocalServer, listen } from './support/local-server.js';
import { open } from './support/raw-frames.js';

let server: WebSocketServer | undefined;
let peer: LocalServer | undefined;

afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise((resolve) =>
    server === undefined ? resolve(undefined) : server.close(resolve),
  );
  await peer?.close();
  server = undefined;
  peer = undefined;
});

/** A WebSocket server on a loopback port; resolves with the URL to reach it. */
async function serve(onConnection: (ws: WebSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server = wss;
  wss.on('connection', onConnection);
  await new Promise((resolve) => wss.once('listening', resolve));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
}

async function readAll(transport: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const bodies: Uint8Array[] = [];
  for await (const body of transport) bodies.push(body);
  return bodies;
}

describe('the WebSocket transport', () => {
  it('yields each binary message as one body, a fragmented one too', async () => {
    const ping = encodeFrame({ type: 'ping', id: 1 });
    const url = await serve((ws) => {
      ws.send(ping);
      ws.send(ping.subarray(0, 1), { fin: false });
      ws.send(ping.subarray(1), { fin: true });
      ws.close(1000);
    });
    const transport = await open(url);
    const bodies = await readAll(transport);
    expect(bodies).toEqual([ping, ping]);
    for (const body of bodies) expect(Object.getPrototypeOf(body)).toBe(Uint8Array.prototype);
    expect(await transport.closed()).toBeUndefined();
  });

  it('closes with MALFORMED_FRAME on a text message', async () => {
    const url = await serve((ws) => ws.send('{"type":"ping"}'));
    const transport = await open(url);
    expect(await readAll(transport)).toEqual([]);
    expect(await transport.closed()).toMatchObject({
      name: 'ProtocolError',
      code: 'MALFORMED_FRAME',
    });
  });

  it('closes with FRAME_TOO_LARGE on a message over maxFrameBytes', async () => {
    const url = await serve((ws) => ws.send(new Uint8Array(2048)));
    const transport = await open(url, { maxFrameBytes: 1024 });
    expect(await readAll(transport)).toEqual([]);
    expect(await transport.closed()).toMatchObject({ code: 'FRAME_TOO_LARGE' });
  });

  it('settles closed() with CONNECTION_CLOSED when the server closes with another code than 1000', async () => {
    const url = await serve((ws) => ws.close(1011, 'overloaded'));
    const transport = await open(url);
    expect(await readAll(transport)).toEqual([]);
    expect(await transport.closed()).toMatchObject({
      name: 'ConnectionError',
      code: 'CONNECTION_CLOSED',
      message: expect.stringContaining('1011: overloaded'),
    });
  });

  it('rejects CONNECTION_FAILED when the server refuses the upgrade', async () => {
    peer = await listen((socket) =>
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
    );
    await expect(open(`ws://127.0.0.1:${peer.port}/ws`)).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      message: expect.stringContaining('404'),
    });
  });

  it('rejects ABORTED when the signal fires while the upgrade is unanswered', async () => {
    let accepted: () => void = () => {};
    const connected = new Promise<void>((resolve) => {
      accepted = resolve;
    });
    peer = await listen(() => accepted());
    const controller = new AbortController();
    const opening = open(`ws://127.0.0.1:${peer.port}/ws`, { signal: controller.signal });
    await connected;
    controller.abort();
    await expect(opening).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
