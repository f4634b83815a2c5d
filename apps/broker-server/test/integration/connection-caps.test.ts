/**
 * Sockets that never complete a handshake, over TCP and HTTP: they have their own caps, HTTP
 * requests have timeouts, and clients that authenticate keep getting in. [LIMITS-7]
 */
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { connectTcp, connectWs, type TcpClient } from '../support/raw-client.js';
import { useTempDirs } from '../support/temp-dir.js';

const fixture = useBrokers();
const tempDir = useTempDirs('connection-caps');
const TOKEN = 's3cret';

/** A broker with a token whose idle sockets are not closed by the handshake timeout meanwhile. */
async function broker(args: string[]): Promise<BrokerProcess> {
  const file = join(tempDir(), 'ferry.json');
  writeFileSync(file, JSON.stringify({ limits: { handshakeTimeoutMs: 60_000 } }));
  return fixture.broker({ args: ['--auth-token', TOKEN, '--config', file, ...args] });
}

/** `count` TCP sockets from `localAddress`, opened one after the other, that send nothing. */
async function idleSockets(
  b: BrokerProcess,
  localAddress: string,
  count: number,
): Promise<TcpClient[]> {
  const clients: TcpClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await connectTcp(b.tcpPort, { localAddress });
    fixture.track(client);
    clients.push(client);
  }
  return clients;
}

/** A raw socket to the HTTP port that has sent `bytes` and nothing more. */
async function httpSocket(b: BrokerProcess, bytes = ''): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: b.httpPort });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  socket.write(bytes);
  return socket;
}

/** A socket to the HTTP port that was served one request and stays open (keep-alive). */
async function servedHttpSocket(b: BrokerProcess): Promise<Socket> {
  const socket = await httpSocket(b, 'GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  return socket;
}

/** Everything the server sent on `socket` until it closed it. */
function untilClosed(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return new Promise((resolve) => socket.once('close', () => resolve(text)));
}

describe('connections that have not completed the handshake', () => {
  it('[LIMITS-7] idle sockets from one address cannot lock out a client that authenticates', async () => {
    const b = await broker([
      '--max-connections',
      '10',
      '--max-pending-connections-per-address',
      '4',
    ]);
    const idle = await idleSockets(b, '127.0.0.2', 40);
    const healthy = await connectTcp(b.tcpPort);
    fixture.track(healthy);
    await healthy.handshake({ auth: { token: TOKEN } });

    for (const refused of idle.slice(4)) {
      expect(await refused.next()).toMatchObject({
        type: 'error',
        code: 'TOO_MANY_CONNECTIONS',
        message: '4 connections from 127.0.0.2 have not completed the handshake',
      });
    }
    expect(idle.slice(0, 4).map((client) => client.isClosed)).toEqual([false, false, false, false]);
  });

  it('[LIMITS-7] are capped engine-wide too; completing the handshake frees a place', async () => {
    const b = await broker([
      '--max-pending-connections',
      '6',
      '--max-pending-connections-per-address',
      '4',
    ]);
    await idleSockets(b, '127.0.0.2', 4);
    const [, late] = await idleSockets(b, '127.0.0.3', 2);
    const [refused] = await idleSockets(b, '127.0.0.4', 1);
    expect(await refused?.next()).toMatchObject({
      code: 'TOO_MANY_CONNECTIONS',
      message: '6 connections have not completed the handshake; retry shortly',
    });
    await late?.handshake({ auth: { token: TOKEN } });
    const [admitted] = await idleSockets(b, '127.0.0.4', 1);
    await admitted?.handshake({ auth: { token: TOKEN } });
  });
});

describe('HTTP sockets', () => {
  it('[LIMITS-7] a request that does not finish its headers is closed at the header timeout', async () => {
    const b = await broker([
      '--http-headers-timeout-ms',
      '500',
      '--http-request-timeout-ms',
      '1000',
    ]);
    const slow = await httpSocket(b, 'GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const answer = await untilClosed(slow);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // A WebSocket outlives both timeouts: they are over once the upgrade is done.
    const ws = await connectWs(b.httpPort);
    fixture.track(ws);
    await ws.handshake({ auth: { token: TOKEN } });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    ws.send({ type: 'ping', id: 7 });
    expect(await ws.next()).toEqual({ type: 'pong', id: 7 });
  });

  it('[LIMITS-7] count against --max-connections, and are refused past it', async () => {
    const b = await broker(['--max-connections', '4']);
    // Served once, so surely accepted before the next connection arrives.
    const sockets = await Promise.all(Array.from({ length: 4 }, () => servedHttpSocket(b)));
    const overTcp = await connectTcp(b.tcpPort);
    fixture.track(overTcp);
    expect(await overTcp.next()).toMatchObject({
      code: 'TOO_MANY_CONNECTIONS',
      message: 'the server is at its limit of 4 connections',
    });
    const overHttp = await httpSocket(b);
    expect(await untilClosed(overHttp)).toMatch(/^HTTP\/1\.1 503 [\s\S]*TOO_MANY_CONNECTIONS/);
    for (const socket of sockets) socket.destroy();
  });
});
