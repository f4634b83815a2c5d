/**
 * kill -9: producers with msgIds and awaited acks, and a consuming group that
 * acks what it gets, run while the broker is SIGKILLed and restarted; then a
 * checker classifies every acknowledged message, like a queue checker:
 * lost (acked by the broker, never delivered, or missing from the log),
 * duplicated (delivered more than once: expected after crashes, counted),
 * reordered (a first delivery below an earlier one of the same partition).
 */
import { rmSync } from 'node:fs';
import type { DeliveredMessage, Frame } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import { seededRandom } from '../../src/testing/simulated-fs.js';
import { type BrokerProcess, startBroker } from '../support/broker-process.js';
import { connectTcp } from '../support/raw-client.js';
import { expectType, Requester } from '../support/requester.js';

const CYCLES = 20;
const PRODUCERS = 4;
const PARTITIONS = 3;
const CREDIT = 500;

interface Where {
  partition: number;
  offset: number;
}

const decoder = new TextDecoder();

/** Produces batches with unique msgIds until the connection dies; records what was acked. */
async function produce(
  broker: BrokerProcess,
  tag: string,
  acked: Map<string, Where>,
  stopped: () => boolean,
): Promise<void> {
  const client = await connectTcp(broker.tcpPort);
  await client.handshake();
  const requests = new Requester(client);
  for (let i = 0; !stopped(); i++) {
    const ids = Array.from({ length: 1 + (i % 5) }, (_, j) => `${tag}-i${i}-${j}`);
    const messages = ids.map((msgId) => ({
      payload: new TextEncoder().encode(msgId),
      msgId,
      key: msgId,
    }));
    const reply = await Promise.race([
      requests.request({ type: 'produce', station: 'k9', messages }),
      client.closed.then(() => undefined),
    ]);
    if (reply === undefined || reply.type !== 'produceAck') return;
    reply.results.forEach((r, j) => {
      if (r.kind === 'ok')
        acked.set(ids[j] as string, { partition: r.partition, offset: r.offset });
    });
  }
}

/**
 * Consumes group 'checker', acking everything, until the connection dies or
 * (with `idleMs`) nothing arrives for that long. Calls `seen` per delivery.
 */
async function consume(
  broker: BrokerProcess,
  seen: (m: DeliveredMessage, stream: number) => void,
  stream: number,
  idleMs?: number,
): Promise<void> {
  const client = await connectTcp(broker.tcpPort);
  await client.handshake();
  const requests = new Requester(client);
  const subscribed = await requests.request({
    type: 'subscribe',
    sid: 1,
    station: 'k9',
    group: 'checker',
    options: { start: { kind: 'earliest' }, credit: CREDIT },
  });
  if (subscribed.type !== 'subscribed')
    throw new Error(`subscribe failed: ${JSON.stringify(subscribed)}`);
  for (;;) {
    let frame: Frame | undefined;
    try {
      frame = await Promise.race([
        requests.nextUnsolicited(idleMs ?? 60_000),
        client.closed.then(() => undefined),
      ]);
    } catch {
      frame = undefined;
    }
    if (frame === undefined) {
      client.close();
      return;
    }
    if (frame.type !== 'deliver') continue;
    for (const m of frame.messages) seen(m, stream);
    client.send({
      type: 'ack',
      id: 0,
      sid: 1,
      refs: frame.messages.map((m) => ({ partition: m.partition, offset: m.offset })),
    });
    client.send({ type: 'credit', sid: 1, credit: frame.messages.length });
  }
}

describe('kill -9', () => {
  it(`${CYCLES} SIGKILL cycles with producers and a consuming group: 0 acknowledged messages lost`, async () => {
    const rng = seededRandom(9);
    const acked = new Map<string, Where>();
    const delivered = new Map<string, number>();
    const lastFirstDelivery = new Map<string, number>();
    let reordered = 0;
    const seen = (m: DeliveredMessage, stream: number) => {
      const id = decoder.decode(m.payload);
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      if (m.deliveryCount > 1) return;
      const key = `${stream}/${m.partition}`;
      if ((lastFirstDelivery.get(key) ?? -1) > m.offset) reordered++;
      lastFirstDelivery.set(key, m.offset);
    };
    let dataDir: string | undefined;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const broker = await startBroker(dataDir === undefined ? {} : { dataDir });
      dataDir = broker.dataDir;
      if (cycle === 0) {
        const admin = await connectTcp(broker.tcpPort);
        await admin.handshake();
        await new Requester(admin).request({
          type: 'stationCreate',
          name: 'k9',
          config: { partitions: PARTITIONS },
        });
        admin.close();
      }
      let stop = false;
      const load = [
        ...Array.from({ length: PRODUCERS }, (_, p) =>
          produce(broker, `c${cycle}-p${p}`, acked, () => stop),
        ),
        consume(broker, seen, cycle),
      ];
      await new Promise((r) => setTimeout(r, 200 + rng() * 400));
      await broker.kill();
      stop = true;
      await Promise.allSettled(load);
    }
    if (dataDir === undefined) throw new Error('no broker ran');

    // A last, clean run drains the group: everything acknowledged must come out.
    const last = await startBroker({ dataDir, args: ['--shutdown-grace-ms', '200'] });
    await consume(last, seen, CYCLES, 2000);
    await last.stop();

    const engine = await EmbeddedStorageEngine.open({ dataDir });
    const station = await engine.openStation('k9', {
      partitions: PARTITIONS,
      storage: 'file',
      durability: 'always',
      flushIntervalMs: 100,
      dedupWindowMs: 0,
    });
    const stored = new Map<string, Where>();
    for (let p = 0; p < PARTITIONS; p++) {
      for (const r of await station
        .partition(p)
        .read(0, { maxRecords: 10_000_000, maxBytes: 2 ** 31 })) {
        stored.set(r.msgId ?? '', { partition: p, offset: r.offset });
      }
    }
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });

    let lostFromLog = 0;
    let neverDelivered = 0;
    for (const [msgId, where] of acked) {
      const s = stored.get(msgId);
      if (s === undefined || s.partition !== where.partition || s.offset !== where.offset)
        lostFromLog++;
      if (!delivered.has(msgId)) neverDelivered++;
    }
    const duplicates = [...delivered.values()].filter((n) => n > 1).length;
    console.log(
      `kill -9: ${CYCLES} cycles, ${acked.size} acknowledged, ${delivered.size} delivered; lost ${lostFromLog} from the log, ${neverDelivered} never delivered; delivered more than once ${duplicates}; reordered ${reordered}`,
    );
    expect(acked.size).toBeGreaterThan(100);
    expect(lostFromLog).toBe(0);
    expect(neverDelivered).toBe(0);
    expect(reordered).toBe(0);
  }, 300_000);

  it('[CONS-6] a delivery is written before it is sent: after kill -9 it comes back counted', async () => {
    const first = await startBroker();
    const dataDir = first.dataDir;
    try {
      const subscribe = async (broker: BrokerProcess) => {
        const client = await connectTcp(broker.tcpPort);
        await client.handshake();
        const requests = new Requester(client);
        expectType(
          await requests.request({
            type: 'subscribe',
            sid: 1,
            station: 'counted',
            group: 'g',
            options: { start: { kind: 'earliest' }, credit: 10, maxDeliveries: 5 },
          }),
          'subscribed',
        );
        const frame = expectType(await requests.nextUnsolicited(10_000), 'deliver');
        return { client, messages: frame.messages };
      };
      const admin = await connectTcp(first.tcpPort);
      await admin.handshake();
      const requests = new Requester(admin);
      await requests.request({ type: 'stationCreate', name: 'counted', config: { partitions: 1 } });
      expectType(
        await requests.request({
          type: 'produce',
          station: 'counted',
          messages: [{ payload: new TextEncoder().encode('once') }],
        }),
        'produceAck',
      );
      const before = await subscribe(first);
      expect(before.messages.map((m) => m.deliveryCount)).toEqual([1]);
      // Not acknowledged, and the broker dies the moment after the send.
      await first.kill();
      const second = await startBroker({ dataDir });
      try {
        const after = await subscribe(second);
        expect(after.messages.map((m) => [m.offset, m.deliveryCount])).toEqual([[0, 2]]);
        after.client.close();
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
