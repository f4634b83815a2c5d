import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import { GroupState } from '../../src/storage/group-state.js';
import { LOCK_FILE } from '../../src/storage/lock.js';
import type { GroupOp, StationStoreConfig } from '../../src/storage/types.js';
import { SimulatedFs } from '../../src/testing/simulated-fs.js';
import { bytes, text } from '../support/open-log.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('engine');
const all = { maxRecords: 100_000, maxBytes: 1 << 30 };
const fileStation: StationStoreConfig = {
  partitions: 2,
  storage: 'file',
  durability: 'always',
  flushIntervalMs: 100,
  dedupWindowMs: 60_000,
};

describe('embedded storage engine', () => {
  it('stations, records, group state and the dedup index survive a reopen', async () => {
    const dataDir = tempDir();
    let engine = await EmbeddedStorageEngine.open({ dataDir });
    let station = await engine.openStation('orders', fileStation);
    const a = await station.partition(0).append([{ payload: bytes('a'), msgId: 'id-a' }]);
    const b = await station
      .partition(1)
      .append([{ payload: bytes('b'), msgId: 'id-b' }, { payload: bytes('c') }]);
    station.dedup.remember(
      'id-a',
      { partition: 0, offset: a.baseOffset, timestamp: a.timestamp },
      Date.now(),
    );
    const group = await station.group('billing');
    await group.apply([
      { op: 'init', partition: 1, cursor: 0 },
      { op: 'deliver', partition: 1, offset: 0 },
      { op: 'deliver', partition: 1, offset: 1 },
      { op: 'done', partition: 1, offset: 1 },
      { op: 'delay', partition: 1, offset: 0, until: 999 },
    ]);
    await engine.close();

    engine = await EmbeddedStorageEngine.open({ dataDir });
    expect(await engine.listStations()).toEqual(['orders']);
    station = await engine.openStation('orders', { ...fileStation, partitions: 7 });
    expect(station.config.partitions).toBe(2);
    expect(await station.groups()).toEqual(['billing']);
    expect((await station.partition(1).read(0, all)).map((r) => text(r.payload))).toEqual([
      'b',
      'c',
    ]);
    const state = (await station.group('billing')).state(1);
    expect(state?.cursor).toBe(0);
    expect([...(state?.done ?? [])]).toEqual([1]);
    expect(state?.deliveries.get(0)).toBe(1);
    expect(state?.delayedUntil.get(0)).toBe(999);
    // Rebuilt from the log's msgIds, not from what was remembered in memory.
    expect(station.dedup.lookup('id-a', Date.now())).toMatchObject({ partition: 0, offset: 0 });
    expect(station.dedup.lookup('id-b', Date.now())).toMatchObject({
      partition: 1,
      offset: b.baseOffset,
    });
    expect(station.dedup.lookup('id-b', Date.now() + 120_000)).toBeUndefined();
    await engine.close();
  });

  it("a 'memory' station keeps its settings but not its messages across a restart", async () => {
    const dataDir = tempDir();
    let engine = await EmbeddedStorageEngine.open({ dataDir });
    let station = await engine.openStation('cache', { ...fileStation, storage: 'memory' });
    await station.partition(0).append([{ payload: bytes('gone') }]);
    expect((await station.partition(0).read(0, all)).length).toBe(1);
    await engine.close();
    engine = await EmbeddedStorageEngine.open({ dataDir });
    station = await engine.openStation('cache', fileStation);
    expect(station.config.storage).toBe('memory');
    expect(await station.partition(0).read(0, all)).toEqual([]);
    await engine.close();
  });

  it('deletes a station with everything in it', async () => {
    const dataDir = tempDir();
    const engine = await EmbeddedStorageEngine.open({ dataDir });
    const station = await engine.openStation('tmp', fileStation);
    await station.partition(0).append([{ payload: bytes('x') }]);
    await station.group('g');
    await engine.deleteStation('tmp');
    expect(await engine.listStations()).toEqual([]);
    const again = await engine.openStation('tmp', fileStation);
    expect(again.partition(0).bounds().next).toBe(0);
    expect(await again.groups()).toEqual([]);
    await engine.close();
  });

  it('refuses names that break the rules, before touching the disk', async () => {
    const engine = await EmbeddedStorageEngine.open({ dataDir: tempDir() });
    for (const name of ['..', '.hidden', 'Upper', 'a/b', '', 'x'.repeat(129)]) {
      await expect(engine.openStation(name, fileStation)).rejects.toMatchObject({
        code: 'INVALID_NAME',
      });
    }
    const station = await engine.openStation('ok.name_1-2', fileStation);
    await expect(station.group('../escape')).rejects.toMatchObject({ code: 'INVALID_NAME' });
    await engine.close();
  });
});

describe('data-directory lock', () => {
  it('a second broker on the same directory fails at once with a clear error', async () => {
    const dataDir = tempDir();
    const first = await EmbeddedStorageEngine.open({ dataDir });
    const started = Date.now();
    const second = EmbeddedStorageEngine.open({ dataDir });
    await expect(second).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await expect(second).rejects.toThrow(
      new RegExp(`in use by another broker \\(pid ${process.pid}`),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    await first.close();
    const third = await EmbeddedStorageEngine.open({ dataDir });
    await third.close();
  });

  it('a lock left by a dead process (kill -9) is taken over at once', async () => {
    const dataDir = tempDir();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid: deadPid, host: hostname(), since: 'then' }),
    );
    const engine = await EmbeddedStorageEngine.open({ dataDir });
    await engine.close();
  });
});

describe('model check', () => {
  type Op =
    | { kind: 'append'; partition: number; count: number }
    | { kind: 'read'; partition: number; from: number }
    | { kind: 'group'; ops: GroupOp[] }
    | { kind: 'reopen' };
  const partition = fc.integer({ min: 0, max: 1 });
  const offset = fc.nat(30);
  const groupOp: fc.Arbitrary<GroupOp> = fc.oneof(
    fc.record({ op: fc.constant('init' as const), partition, cursor: offset }),
    fc.record({ op: fc.constant('deliver' as const), partition, offset }),
    fc.record({ op: fc.constant('done' as const), partition, offset }),
    fc.record({ op: fc.constant('delay' as const), partition, offset, until: fc.nat() }),
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('append' as const),
      partition,
      count: fc.integer({ min: 1, max: 4 }),
    }),
    fc.record({ kind: fc.constant('read' as const), partition, from: offset }),
    fc.record({
      kind: fc.constant('group' as const),
      ops: fc.array(groupOp, { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ kind: fc.constant('reopen' as const) }),
  );

  it('append / read / ack / reopen match an in-memory model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const fs = new SimulatedFs();
        const open = async () => {
          const engine = await EmbeddedStorageEngine.open({
            dataDir: '/data',
            fs,
            skipLock: true,
            segmentBytes: 400,
            groupCompactAfterBytes: 200,
          });
          return { engine, station: await engine.openStation('s', fileStation) };
        };
        const logModel: string[][] = [[], []];
        const groupModel = new GroupState();
        let { engine, station } = await open();
        for (const o of ops) {
          if (o.kind === 'append') {
            const model = logModel[o.partition] as string[];
            const payloads = Array.from(
              { length: o.count },
              (_, i) => `p${o.partition}-${model.length + i}`,
            );
            await station
              .partition(o.partition)
              .append(payloads.map((p) => ({ payload: bytes(p) })));
            model.push(...payloads);
          } else if (o.kind === 'read') {
            const got = await station.partition(o.partition).read(o.from, all);
            expect(got.map((r) => text(r.payload))).toEqual(
              (logModel[o.partition] as string[]).slice(o.from),
            );
          } else if (o.kind === 'group') {
            await (await station.group('g')).apply(o.ops);
            for (const g of o.ops) groupModel.apply(g);
          } else {
            await engine.close();
            ({ engine, station } = await open());
          }
          const group = await station.group('g');
          for (const p of [0, 1]) expect(group.state(p)).toEqual(groupModel.get(p));
        }
        await engine.close();
      }),
      { numRuns: 60 },
    );
  });
});

describe('station settings', () => {
  it('are kept with the station and survive a reopen', async () => {
    const dataDir = tempDir();
    let engine = await EmbeddedStorageEngine.open({ dataDir });
    let station = await engine.openStation('s', fileStation, { retention: { maxAgeMs: 5 } });
    expect(station.settings).toEqual({ retention: { maxAgeMs: 5 } });
    await station.saveSettings({ retention: { maxAgeMs: 9 } });
    await engine.close();
    engine = await EmbeddedStorageEngine.open({ dataDir });
    station = await engine.openStation('s', fileStation, { ignored: true });
    expect(station.settings).toEqual({ retention: { maxAgeMs: 9 } });
    expect(station.createdAt).toBeGreaterThan(0);
    await engine.close();
  });
});
