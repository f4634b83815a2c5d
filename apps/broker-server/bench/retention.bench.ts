/**
 * What logical retention costs on the append path [LIMITS-8]: appends/s and latency of one
 * partition log with no policy, and with count or byte retention moving the first offset on
 * every append: over a front the writer's own starts cover (a small maxMessages), and over one
 * read ahead from the file (a large one). Prints figures, never asserts.
 *
 *   npx tsx bench/retention.bench.ts [--seconds N] [--payload BYTES] [--appenders N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeFs } from '../src/storage/fs/node-fs.js';
import type { FileHandle, FileSystem } from '../src/storage/fs/types.js';
import { silentLogger } from '../src/storage/logger.js';
import { FilePartitionLog } from '../src/storage/partition-log.js';
import type { DiskDurability, RetentionPolicy } from '../src/storage/types.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    payload: { type: 'string', default: '128' },
    appenders: { type: 'string', default: '64' },
  },
});
const seconds = Number(values.seconds);
const payload = new Uint8Array(Number(values.payload)).fill(1);
const appenders = Number(values.appenders);
const MIB = 1024 * 1024;

const POLICIES: [string, RetentionPolicy | undefined][] = [
  ['none', undefined],
  ['maxMessages 1,000', { maxMessages: 1000 }],
  ['maxMessages 100,000', { maxMessages: 100_000 }],
  ['maxBytes 16 MiB', { maxBytes: 16 * MIB }],
];

/** The real filesystem, counting the reads of log files (what retention may add to appends). */
function readCounting(): { fs: FileSystem; reads: { count: number; bytes: number } } {
  const reads = { count: 0, bytes: 0 };
  const wrap = (h: FileHandle): FileHandle => ({
    ...h,
    write: (data, position) => h.write(data, position),
    read: async (into, offset, length, position) => {
      reads.count++;
      reads.bytes += length;
      return h.read(into, offset, length, position);
    },
    datasync: () => h.datasync(),
    truncate: (length) => h.truncate(length),
    size: () => h.size(),
    close: () => h.close(),
  });
  return {
    fs: { ...nodeFs, open: async (path, mode) => wrap(await nodeFs.open(path, mode)) },
    reads,
  };
}

/** Fills the log past the policy first, so that every measured append moves the first offset. */
async function prefill(log: FilePartitionLog, policy: RetentionPolicy | undefined): Promise<void> {
  const target = 200_000;
  for (let sent = 0; sent < target; sent += 1000)
    await Promise.all(Array.from({ length: 1000 }, () => log.append([{ payload }], policy)));
}

async function run(durability: DiskDurability, policy: RetentionPolicy | undefined) {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-retention-bench-'));
  const { fs, reads } = readCounting();
  const log = await FilePartitionLog.open({
    fs,
    dir: join(dir, 'p0'),
    partition: 0,
    options: {
      durability,
      flushIntervalMs: 50,
      segmentBytes: 64 * MIB,
      segmentMs: 7 * 24 * 3600_000,
      maxPendingBytes: 64 * MIB,
    },
    log: silentLogger,
    now: Date.now,
  });
  try {
    await prefill(log, policy);
    const readsBefore = { ...reads };
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    let appends = 0;
    await Promise.all(
      Array.from({ length: appenders }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await log.append([{ payload }], policy);
          latencies.push(performance.now() - t);
          appends++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.max(0, Math.ceil(q * latencies.length) - 1)] ?? 0;
    const { first, next } = log.bounds();
    return {
      perSec: appends / seconds,
      p50: at(0.5),
      p99: at(0.99),
      kept: next - first,
      readsPer1000: ((reads.count - readsBefore.count) * 1000) / appends,
      readKiBPer1000: (reads.bytes - readsBefore.bytes) / 1024 / (appends / 1000),
    };
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `${payload.length} B payload, ${appenders} appenders, ${seconds} s per case, after 200,000 appends`,
);
console.log(
  'durability  policy                appends/s   p50 ms   p99 ms   retained  reads (KiB) per 1000 appends',
);
for (const durability of ['always', 'never'] as const) {
  for (const [name, policy] of POLICIES) {
    const r = await run(durability, policy);
    console.log(
      `${durability.padEnd(10)}  ${name.padEnd(20)}  ${Math.round(r.perSec).toLocaleString('en').padStart(9)}  ${r.p50.toFixed(3).padStart(7)}  ${r.p99.toFixed(3).padStart(7)}  ${r.kept.toLocaleString('en').padStart(9)}  ${r.readsPer1000.toFixed(2)} (${r.readKiBPer1000.toFixed(0)})`,
    );
  }
}
