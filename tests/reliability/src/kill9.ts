/**
 * kill -9 cycles: producers with msgIds and awaited acks and a consumer group run while the
 * broker is SIGKILLed at random moments and restarted on the same ports and data directory.
 * Then the group drains, and the checker classifies the history: no acknowledged message may
 * be lost and nothing may arrive that was never sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@ferry/broker/testing';
import { type Client, type Consumer, connect, type NodeConnectOptions } from '@ferry/node';
import { brokerUrl, launch } from './broker.js';
import { check, type Event, failuresOf } from './checker.js';
import type { Report, RunOptions } from './report.js';
import { sleep, waitUntil } from './time.js';

const STATION = 'k9';
const GROUP = 'checker';
const PRODUCERS = 8;
const PARTITIONS = 4;
const CLIENT: NodeConnectOptions = {
  // Back quickly after each restart; a request waits out an outage rather than failing.
  reconnect: { initialDelayMs: 20, maxDelayMs: 250 },
  requestTimeoutMs: 20_000,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function run(options: RunOptions): Promise<Report> {
  const cycles = options.full ? 50 : 6;
  const rng = seededRandom(options.seed);
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-kill9-'));
  const history: Event[] = [];
  const clients: Client[] = [];
  let broker = await launch({ dataDir });
  const restart = { dataDir, tcpPort: broker.tcpPort, httpPort: broker.httpPort };
  let stopping = false;
  const open = async () => {
    const client = await connect(brokerUrl(broker), CLIENT);
    clients.push(client);
    return client;
  };
  try {
    const admin = await open();
    await admin.stations.create(STATION, { partitions: PARTITIONS });

    // The drain waits for every acknowledged message: `missing` is acked and not yet received.
    const received = new Set<string>();
    const missing = new Set<string>();
    let produceErrors = 0;
    // Connected first, so that a loop below can only end, never reject.
    const producerClients = await Promise.all(Array.from({ length: PRODUCERS }, open));
    const producers = producerClients.map(async (client, p) => {
      const producer = client.producer(STATION, { lingerMs: 0 });
      for (let i = 0; !stopping; i++) {
        const id = `p${p}-${i}`;
        history.push({ kind: 'attempt', id });
        try {
          const ack = await producer.produce(encoder.encode(id), { msgId: id, key: `k${i % 64}` });
          history.push({ kind: 'ack', id, partition: ack.partition, offset: ack.offset });
          if (!received.has(id)) missing.add(id);
        } catch {
          produceErrors++; // indeterminate: the checker counts it as recovered if it arrives
        }
      }
    });

    // Member 0 stays; member 1 comes and goes, so the group runs with one or two members.
    let subscriptions = 0;
    const member = async (client: Client, name: string): Promise<Consumer> => {
      const tag = `${name}.${subscriptions++}`;
      return client.consume(STATION, {
        group: GROUP,
        start: 'earliest',
        ackTimeoutMs: 5_000,
        // Redelivered across many crashes, a message must not go to the dead-letter store.
        maxDeliveries: 1_000,
        prefetch: 128,
        concurrency: 64,
        handler: (message) => {
          const id = decoder.decode(message.payload);
          history.push({
            kind: 'receive',
            id,
            partition: message.partition,
            offset: message.offset,
            deliveryCount: message.deliveryCount,
            stream: `${tag}/${message.session}`,
          });
          received.add(id);
          missing.delete(id);
        },
      });
    };
    await member(await open(), 'm0');
    const second = await open();
    let secondMember: Consumer | undefined;

    for (let cycle = 0; cycle < cycles; cycle++) {
      await sleep(200 + rng() * 1_000);
      await broker.kill();
      await sleep(rng() * 200);
      broker = await launch(restart);
      if (rng() < 0.5) {
        if (secondMember === undefined) secondMember = await member(second, 'm1');
        else {
          await secondMember.stop();
          secondMember = undefined;
        }
      }
      options.log(`kill9: cycle ${cycle + 1}/${cycles}, ${missing.size} acknowledged in transit`);
    }
    stopping = true;
    await Promise.all(producers);
    const drained = await waitUntil(() => missing.size === 0, options.full ? 120_000 : 60_000);
    const info = await admin.stations.info(STATION);

    const verdict = check(history);
    // Order is reported here, not failed: the kill -9 cycles count reorderings as figures.
    const failures = failuresOf(verdict, drained, false);
    return {
      name: 'kill9',
      figures: {
        cycles,
        attempted: verdict.attempted,
        acked: verdict.acked,
        received: verdict.received,
        lost: verdict.lost.length,
        duplicated: verdict.duplicated.length,
        reordered: verdict.reordered.length,
        unexpected: verdict.unexpected.length,
        recovered: verdict.recovered.length,
        storedTwice: verdict.storedTwice.length,
        produceErrors,
        deadLetters: info.deadLetters,
        seconds: Math.round((Date.now() - started) / 1000),
      },
      failures,
    };
  } finally {
    stopping = true;
    await Promise.allSettled(clients.map((c) => c.close()));
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
