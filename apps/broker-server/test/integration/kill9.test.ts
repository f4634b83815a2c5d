/**
 * kill -9: producers with msgIds and awaited acks run while the broker is
 * SIGKILLed and restarted; afterwards a checker reads the data directory and
 * classifies every acknowledged message.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import type { StoredRecord } from '../../src/storage/types.js';
import { startBroker } from '../support/broker-process.js';
import { connectTcp } from '../support/raw-client.js';
import { Requester } from '../support/requester.js';
import { seededRandom } from '../support/simulated-fs.js';

const CYCLES = 20;
const PRODUCERS = 4;
const PARTITIONS = 3;

interface Acked {
  partition: number;
  offset: number;
}

describe('kill -9', () => {
  it(`${CYCLES} SIGKILL cycles under load: 0 acknowledged messages lost`, async () => {
    const rng = seededRandom(9);
    const acked = new Map<string, Acked>();
    let dataDir: string | undefined;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const broker = await startBroker(dataDir === undefined ? {} : { dataDir });
      dataDir = broker.dataDir;
      let stop = false;
      const producers = Array.from({ length: PRODUCERS }, async (_, p) => {
        const client = await connectTcp(broker.tcpPort);
        await client.handshake();
        const requests = new Requester(client);
        if (cycle === 0 && p === 0)
          await requests.request({
            type: 'stationCreate',
            name: 'k9',
            config: { partitions: PARTITIONS },
          });
        for (let i = 0; !stop; i++) {
          const ids = Array.from({ length: 1 + (i % 5) }, (_, j) => `c${cycle}-p${p}-i${i}-${j}`);
          const reply = await Promise.race([
            requests.request({
              type: 'produce',
              station: 'k9',
              messages: ids.map((msgId) => ({
                payload: new TextEncoder().encode(msgId),
                msgId,
                key: msgId,
              })),
            }),
            client.closed.then(() => undefined),
          ]);
          if (reply === undefined || reply.type !== 'produceAck') return;
          reply.results.forEach((r, j) => {
            if (r.kind === 'ok')
              acked.set(ids[j] as string, { partition: r.partition, offset: r.offset });
          });
        }
      });
      await new Promise((r) => setTimeout(r, 150 + rng() * 400));
      await broker.kill();
      stop = true;
      await Promise.allSettled(producers);
    }
    if (dataDir === undefined) throw new Error('no broker ran');

    const engine = await EmbeddedStorageEngine.open({ dataDir });
    const station = await engine.openStation('k9', {
      partitions: PARTITIONS,
      storage: 'file',
      durability: 'always',
      flushIntervalMs: 100,
      dedupWindowMs: 0,
    });
    const stored = new Map<string, StoredRecord & { partition: number }>();
    let duplicates = 0;
    let outOfOrder = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const records = await station
        .partition(p)
        .read(0, { maxRecords: 10_000_000, maxBytes: 2 ** 31 });
      const last = new Map<string, number>();
      for (const r of records) {
        const id = r.msgId ?? '';
        if (stored.has(id)) duplicates++;
        stored.set(id, { ...r, partition: p });
        // Each producer's messages must keep their order within a partition.
        const producer = id.replace(/-i\d+-\d+$/, '');
        const seq = Number(/-i(\d+)-(\d+)$/.exec(id)?.slice(1).join('.') ?? 0);
        if ((last.get(producer) ?? -1) > seq) outOfOrder++;
        last.set(producer, seq);
      }
    }
    let lost = 0;
    for (const [msgId, where] of acked) {
      const r = stored.get(msgId);
      if (r === undefined || r.partition !== where.partition || r.offset !== where.offset) lost++;
    }
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
    console.log(
      `kill -9: ${CYCLES} cycles, ${acked.size} acknowledged, lost ${lost}, duplicates ${duplicates}, out of order ${outOfOrder}`,
    );
    expect(acked.size).toBeGreaterThan(100);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    expect(outOfOrder).toBe(0);
  }, 240_000);
});
