/**
 * Clients that send requests and never read the replies: the broker stops reading them rather
 * than queue without bound, per connection and for all connections together, and answers
 * everything once they read again. [LIMITS-5]
 */
import { readFileSync } from 'node:fs';
import type { Frame } from '@ferry/protocol';
import { encodeFrame, frame } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { useBrokers } from '../support/broker-fixture.js';
import { type BrokerProcess, removeDataDir } from '../support/broker-process.js';
import { connectTcp, type TcpClient } from '../support/raw-client.js';

const fixture = useBrokers();
const MIB = 1024 * 1024;
const MB = 1_000_000;

/** The largest a TCP socket buffer may grow to, from the kernel's settings (Linux). */
function kernelBufferMax(name: 'tcp_rmem' | 'tcp_wmem'): number {
  try {
    const max = Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
    if (Number.isSafeInteger(max) && max > 0) return max;
  } catch {
    // Not Linux: assume Linux's defaults.
  }
  return name === 'tcp_rmem' ? 6 * MIB : 4 * MIB;
}
/** stationInfo requests each client sends: several MiB of replies, past every socket buffer. */
const REQUESTS = 30_000;
/**
 * 1 MB produce frames a client sends after them, at most: more than the kernel can buffer
 * between the two ends (the broker's receive buffer grows with autotuning up to tcp_rmem's
 * maximum, the client's send buffer up to tcp_wmem's), so the client backs up only once the
 * broker stops reading it.
 */
const MAX_FILL_FRAMES =
  Math.ceil((kernelBufferMax('tcp_rmem') + kernelBufferMax('tcp_wmem')) / MB) + 4;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A handshaken client that has stopped reading. */
async function nonReader(b: BrokerProcess): Promise<TcpClient> {
  const client = await connectTcp(b.tcpPort);
  fixture.track(client);
  await client.handshake();
  client.socket.pause();
  return client;
}

/** REQUESTS stationInfo requests (ids 1000...) in one write. */
function sendInfoRequests(client: TcpClient): void {
  const parts = Array.from({ length: REQUESTS }, (_, i) =>
    frame(encodeFrame({ type: 'stationInfo', id: 1000 + i, name: 'info' })),
  );
  client.sendRaw(Buffer.concat(parts));
}

/**
 * Sends 1 MB produce frames (ids 1..) until the client's own socket holds a backlog, which
 * only happens once the broker no longer reads it; the number of frames sent.
 */
async function fillUntilBackedUp(client: TcpClient): Promise<number> {
  const payload = new Uint8Array(MB);
  let sent = 0;
  while (sent < MAX_FILL_FRAMES && client.socket.writableLength < MIB) {
    sent += 1;
    client.send({ type: 'produce', id: sent, station: 'fill', messages: [{ payload }] });
    await sleep(20);
  }
  return sent;
}

/** Reads until every request has its answer; the ids answered, in order of arrival. */
async function readAll(client: TcpClient, fills: number): Promise<number[]> {
  client.socket.resume();
  const ids: number[] = [];
  while (ids.length < REQUESTS + fills) {
    const reply: Frame = await client.next(20_000);
    if (reply.type === 'ping') continue;
    if (reply.type !== 'station' && reply.type !== 'produceAck')
      throw new Error(`unexpected ${JSON.stringify(reply)}`);
    ids.push(reply.id);
  }
  return ids;
}

async function setUp(args: string[]): Promise<BrokerProcess> {
  const b = await fixture.broker({
    args: ['--stall-timeout-ms', '120000', '--shutdown-grace-ms', '0', ...args],
  });
  const admin = await fixture.connect(b);
  await admin.requests.request({ type: 'stationCreate', name: 'info' });
  await admin.requests.request({
    type: 'stationCreate',
    name: 'fill',
    config: { durability: 'never' },
  });
  return b;
}

const expectedIds = (fills: number) => [
  ...Array.from({ length: REQUESTS }, (_, i) => 1000 + i),
  ...Array.from({ length: fills }, (_, i) => i + 1),
];

describe('clients that do not read their replies', () => {
  it('[LIMITS-5] four connections that never read stop being read from, and get every answer once they read', async () => {
    // Per connection: flow control at 1 MiB, cut off at 2 MiB. The replies are several MiB.
    const b = await setUp(['--max-outbound-bytes', String(2 * MIB)]);
    const clients = await Promise.all(Array.from({ length: 4 }, () => nonReader(b)));
    for (const client of clients) sendInfoRequests(client);
    const fills = await Promise.all(clients.map(fillUntilBackedUp));
    for (const [i, client] of clients.entries()) {
      // The broker stopped reading: the client's own writes pile up on its side.
      expect(client.socket.writableLength, `client ${i}`).toBeGreaterThanOrEqual(MIB);
    }
    const answered = await Promise.all(clients.map((client, i) => readAll(client, fills[i] ?? 0)));
    expect(answered).toEqual(fills.map(expectedIds));
    expect(b.logs.filter((l) => l.code === 'SLOW_CONSUMER')).toEqual([]);
  });

  it('[LIMITS-5] the engine-wide budget holds over many connections, each under its own bound', async () => {
    // Per connection the default bounds (flow control at 32 MiB): only the budget can stop them.
    const budget = 2 * MIB;
    const b = await setUp(['--max-outbound-bytes-total', String(budget)]);
    const clients = await Promise.all(Array.from({ length: 8 }, () => nonReader(b)));
    for (const client of clients) sendInfoRequests(client);
    const fills = await Promise.all(clients.map(fillUntilBackedUp));
    for (const [i, client] of clients.entries())
      expect(client.socket.writableLength, `client ${i}`).toBeGreaterThanOrEqual(MIB);
    // Requests run a slice per turn of the event loop: the replies reach the budget over a few
    // turns, once the socket buffers between the two ends are full.
    const reached = () => b.logs.some((l) => String(l.msg).startsWith('outbound budget reached'));
    for (let waited = 0; !reached() && waited < 20_000; waited += 50) await sleep(50);
    const answered = await Promise.all(clients.map((client, i) => readAll(client, fills[i] ?? 0)));
    expect(answered).toEqual(fills.map(expectedIds));
    expect(b.logs).toContainEqual(
      expect.objectContaining({ msg: expect.stringContaining('outbound budget reached') }),
    );
    await fixture.stop(b);
    removeDataDir(b);
    const summary = b.logs.find((l) => l.msg === 'connection limits over the run');
    // Over the budget by at most what requests already running add as they finish.
    expect(summary?.outboundPeak).toBeLessThan(2 * budget);
  });
});
