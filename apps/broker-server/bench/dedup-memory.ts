/**
 * Heap bytes the dedup index holds per remembered msgId, through the station
 * store's own API. Prints figures, never asserts.
 *
 *   node --expose-gc --import tsx bench/dedup-memory.ts [--entries N] [--stations S]
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeFrame, encodeFrame } from '@ferry/protocol';
import { EmbeddedStorageEngine } from '../src/storage/engine.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    stations: { type: 'string', default: '1' },
  },
});
const entries = Number(values.entries);
const stations = Number(values.stations);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

const dataDir = await mkdtemp(join(tmpdir(), 'ferry-dedup-memory-'));
const engine = await EmbeddedStorageEngine.open({ dataDir, dedupMaxEntries: entries });
const config = {
  partitions: 1,
  storage: 'memory' as const,
  durability: 'never' as const,
  flushIntervalMs: 100,
  dedupWindowMs: 3_600_000,
};
const stores = await Promise.all(
  Array.from({ length: stations }, (_, i) => engine.openStation(`s${i}`, config)),
);
function receivedMsgId(): string {
  const body = encodeFrame({
    type: 'produce',
    id: 1,
    station: 's',
    messages: [{ payload: new Uint8Array(0), msgId: randomUUID() }],
  });
  const frame = decodeFrame(body);
  if (frame.type !== 'produce') throw new Error('not a produce frame');
  return frame.messages[0]?.msgId ?? '';
}

const now = Date.now();
const before = heapUsed();
// msgIds as the broker gets them: 36-character UUIDs decoded from a produce frame, held by
// nothing but the index.
for (let i = 0; i < entries; i++) {
  const entry = { partition: 0, offset: i, timestamp: now + i };
  stores[i % stations]?.dedup.remember(receivedMsgId(), entry, now);
}
const after = heapUsed();
console.log(
  JSON.stringify({
    entries,
    stations,
    heapBytes: after - before,
    bytesPerEntry: Math.round((after - before) / entries),
  }),
);
await engine.close();
await rm(dataDir, { recursive: true, force: true });
