/**
 * The dedup index after a restart [PROD-3]: rebuilt from the msgIds a sealed segment keeps in
 * its index file, reading only the active segment's records, and from the records of any
 * segment whose kept msgIds are missing or damaged.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import { nodeFs } from '../../src/storage/fs/node-fs.js';
import type { FileSystem } from '../../src/storage/fs/types.js';
import { indexSummary } from '../../src/storage/segment.js';
import { decodeMsgIds } from '../../src/storage/segment-ids.js';
import type { StationStoreConfig } from '../../src/storage/types.js';
import { segmentReads } from '../support/counting-fs.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('dedup-restart');
const STATION = 'ids';
const PARTITIONS = 2;
const MESSAGES = 240;
const config: StationStoreConfig = {
  partitions: PARTITIONS,
  storage: 'file',
  durability: 'always',
  flushIntervalMs: 50,
  dedupWindowMs: 3_600_000,
};
const payload = new Uint8Array(200).fill(1);
/** A clock that moves on every call: appends never share a timestamp, so "newest" is exact. */
let time = Date.now();
const tick = () => ++time;

function open(dataDir: string, options: { fs?: FileSystem; dedupMaxEntries?: number } = {}) {
  return EmbeddedStorageEngine.open({
    dataDir,
    segmentBytes: 4096,
    skipLock: true,
    now: tick,
    ...options,
  });
}

/** MESSAGES messages with msgIds m0.., alternating partitions; returns where each went. */
async function fill(engine: EmbeddedStorageEngine): Promise<Map<string, [number, number]>> {
  const station = await engine.openStation(STATION, config);
  const where = new Map<string, [number, number]>();
  for (let i = 0; i < MESSAGES; i += 4) {
    const ids = [0, 1, 2, 3].map((j) => `m${i + j}`);
    const { results } = await station.append({
      records: ids.map((msgId) => ({ payload, msgId })),
      partitions: ids.map((_, j) => j % PARTITIONS),
    });
    results.forEach((r, j) => {
      if (r.kind !== 'ok') throw new Error('append failed');
      where.set(ids[j] as string, [r.partition, r.offset]);
    });
  }
  return where;
}

/** Appends every msgId again: each must come back a duplicate of where it went. */
async function expectDuplicates(
  engine: EmbeddedStorageEngine,
  where: Map<string, [number, number]>,
): Promise<void> {
  const station = await engine.openStation(STATION, config);
  const ids = [...where.keys()];
  const { results } = await station.append({
    records: ids.map((msgId) => ({ payload, msgId })),
    partitions: ids.map(() => 0),
  });
  expect(results).toEqual(
    ids.map((id) => {
      const [partition, offset] = where.get(id) as [number, number];
      return { kind: 'ok', partition, offset, duplicate: true };
    }),
  );
}

function partitionDir(dataDir: string, p: number): string {
  return join(dataDir, 'stations', STATION, 'partitions', String(p));
}

/** A partition's segment paths without extension, oldest first. */
function segments(dataDir: string, p: number): string[] {
  const dir = partitionDir(dataDir, p);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => join(dir, f.slice(0, -4)));
}

/** Bytes read from the segment files of partition 0 but its last (active) one. */
function sealedBytesRead(dataDir: string, logBytes: Map<string, number>): number {
  const sealed = segments(dataDir, 0).slice(0, -1);
  return sealed.reduce((sum, s) => sum + (logBytes.get(`${s}.log`) ?? 0), 0);
}

describe('dedup across a restart [PROD-3]', () => {
  it('a sealed segment keeps its msgIds, with offsets and times, after its index', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    const where = await fill(engine);
    const paths = segments(dataDir, 0);
    expect(paths.length).toBeGreaterThan(3);
    const found: string[] = [];
    for (const [i, path] of paths.slice(0, -1).entries()) {
      const bytes = new Uint8Array(readFileSync(`${path}.idx`));
      const index = indexSummary(bytes);
      if (index === undefined) throw new Error(`${path}.idx has no index`);
      const baseOffset = Number(path.slice(-20));
      const nextOffset = Number((paths[i + 1] as string).slice(-20));
      const ids = decodeMsgIds(
        bytes,
        index.blockEnd,
        { baseOffset, nextOffset, size: index.size },
        0,
        0,
      );
      expect(ids?.offsets).toEqual(
        Array.from({ length: nextOffset - baseOffset }, (_, k) => baseOffset + k),
      );
      found.push(...(ids?.ids ?? []));
    }
    for (const [k, id] of found.entries()) expect(where.get(id)).toEqual([0, k]);
    // The active segment has none: it has no index file before a clean close.
    expect(readdirSync(partitionDir(dataDir, 0))).not.toContain(
      `${(paths.at(-1) as string).slice(-20)}.idx`,
    );
    await engine.close();
  });

  it('is rebuilt from the kept msgIds: no sealed segment is read', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    const where = await fill(engine);
    await engine.close();
    const { fs, logBytes } = segmentReads(nodeFs);
    const reopened = await open(dataDir, { fs });
    await reopened.openStation(STATION, config);
    expect(sealedBytesRead(dataDir, logBytes)).toBe(0);
    await expectDuplicates(reopened, where);
    await reopened.close();
  });

  it('is rebuilt from the records of segments whose kept msgIds are missing, cut or damaged', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    const where = await fill(engine);
    await engine.close();
    const [gone, cut, damaged] = segments(dataDir, 0).map((s) => `${s}.idx`);
    rmSync(gone as string);
    const cutBytes = new Uint8Array(readFileSync(cut as string));
    writeFileSync(cut as string, cutBytes.subarray(0, indexSummary(cutBytes)?.blockEnd));
    const damagedBytes = new Uint8Array(readFileSync(damaged as string));
    const last = damagedBytes.length - 1;
    damagedBytes[last] = (damagedBytes[last] ?? 0) ^ 0xff;
    writeFileSync(damaged as string, damagedBytes);

    const { fs, logBytes } = segmentReads(nodeFs);
    const reopened = await open(dataDir, { fs });
    await reopened.openStation(STATION, config);
    // The three segments are read, and only them (the index of the damaged one is whole).
    const read = segments(dataDir, 0).filter((s) => (logBytes.get(`${s}.log`) ?? 0) > 0);
    expect(read).toEqual([...segments(dataDir, 0).slice(0, 3), segments(dataDir, 0).at(-1)]);
    await expectDuplicates(reopened, where);
    await reopened.close();
  });

  it('after a crash, the active segment is read from its records', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    const where = await fill(engine);
    // No close, as after kill -9: the active segment has no index, its msgIds are only in its records.
    const { fs, logBytes } = segmentReads(nodeFs);
    const reopened = await open(dataDir, { fs });
    await reopened.openStation(STATION, config);
    expect(sealedBytesRead(dataDir, logBytes)).toBe(0);
    expect(logBytes.get(`${segments(dataDir, 0).at(-1)}.log`)).toBeGreaterThan(0);
    await expectDuplicates(reopened, where);
    await reopened.close();
    await engine.close();
  });

  it('[LIMITS-6] reads no further back than the newest msgIds the budget keeps', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    const where = await fill(engine);
    await engine.close();
    const max = 60;
    const { fs, logBytes, indexReads } = segmentReads(nodeFs);
    const reopened = await open(dataDir, { fs, dedupMaxEntries: max });
    await reopened.openStation(STATION, config);
    const sealed = PARTITIONS * (segments(dataDir, 0).length - 1);
    // Each partition's active segment and newest sealed ones hold the newest `max`; one more is read to know.
    expect(sealedBytesRead(dataDir, logBytes)).toBe(0);
    expect(indexReads.length).toBeGreaterThan(0);
    expect(indexReads.length).toBeLessThan(sealed / 2);
    const newest = [...where.keys()].slice(-max);
    await expectDuplicates(
      reopened,
      new Map(newest.map((id) => [id, where.get(id) as [number, number]])),
    );
    await reopened.close();
  });
});
