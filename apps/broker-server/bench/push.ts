/**
 * Push delivery rate (GROUP-6): the built `ferry-broker` drains a backlog into a group's push
 * endpoint, a node:http receiver on 127.0.0.1 in this process that answers 204 to every batch.
 * The station is filled first; the clock runs from the groupCreate that sets the endpoint to the
 * group having nothing left (lag and pending 0), so the figure is end to end: fetch, JSON, HMAC,
 * HTTP, and the acks made durable. Prints figures, never asserts.
 *
 *   pnpm --filter @ferry/broker build
 *   cd apps/broker-server && npx tsx bench/push.ts [--messages 200000] [--bytes 256]
 *     [--partitions 4] [--batch-size 100] [--concurrency 4] [--durability always] [--no-secret]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Durability } from '@ferry/protocol';
import { removeDataDir, startBroker } from '../test/support/broker-process.js';
import { connectTcp } from '../test/support/raw-client.js';
import { expectType, Requester } from '../test/support/requester.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '256' },
    partitions: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    durability: { type: 'string', default: 'always' },
    'no-secret': { type: 'boolean', default: false },
  },
});
const total = Number(values.messages);
const bytes = Number(values.bytes);
const partitions = Number(values.partitions);
const batchSize = Number(values['batch-size']);
const concurrency = Number(values.concurrency);
const durability = values.durability as Durability;

let received = 0;
let requests = 0;
const hook = createServer((req, res) => {
  let size = 0;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => {
    size += c.length;
    chunks.push(c);
  });
  req.on('end', () => {
    requests++;
    // Count the messages as a receiver would: parse the body.
    received += (
      JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as { messages: unknown[] }
    ).messages.length;
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/ferry`;

const broker = await startBroker();
try {
  const raw = await connectTcp(broker.tcpPort);
  await raw.handshake();
  const r = new Requester(raw);
  expectType(
    await r.request({ type: 'stationCreate', name: 'bench', config: { partitions, durability } }),
    'station',
  );
  const payload = new Uint8Array(bytes).fill(0x61);
  for (let sent = 0; sent < total; ) {
    const n = Math.min(1000, total - sent);
    const messages = Array.from({ length: n }, () => ({ payload }));
    expectType(await r.request({ type: 'produce', station: 'bench', messages }), 'produceAck');
    sent += n;
  }
  const started = performance.now();
  expectType(
    await r.request({
      type: 'groupCreate',
      station: 'bench',
      group: 'hook',
      options: {
        start: { kind: 'earliest' },
        push: {
          url,
          batchSize,
          concurrency,
          ...(values['no-secret'] ? {} : { secret: 'whsec_bench' }),
        },
      },
    }),
    'group',
  );
  for (;;) {
    const info = expectType(
      await r.request({ type: 'groupInfo', station: 'bench', group: 'hook' }),
      'group',
    ).info;
    if (info.lag === 0 && info.pending === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  raw.close();
  console.log(
    JSON.stringify({
      messages: total,
      payloadBytes: bytes,
      partitions,
      durability,
      batchSize,
      concurrency,
      signed: !values['no-secret'],
      received,
      requests,
      seconds: Number(seconds.toFixed(2)),
      messagesPerSecond: Math.round(total / seconds),
      cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
      node: process.version,
    }),
  );
} finally {
  await broker.stop();
  removeDataDir(broker);
  hook.closeAllConnections();
  hook.close();
}
