import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import util from 'node:util';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFs } from '../../src/storage/fs/node-fs.js';
import type { FileHandle, FileSystem } from '../../src/storage/fs/types.js';
import { encodeOps } from '../../src/storage/group-journal.js';
import { GroupState } from '../../src/storage/group-state.js';
import {
  FileGroupStore,
  type GroupStoreOptions,
  MemoryGroupStore,
} from '../../src/storage/group-store.js';
import type { GroupOp, GroupStore } from '../../src/storage/types.js';
import { SimulatedFs, seededRandom } from '../../src/testing/simulated-fs.js';

const PARTITIONS = [0, 1, 2];
const OPTS: GroupStoreOptions = {
  durability: 'always',
  flushIntervalMs: 20,
  compactAfterBytes: 1 << 20,
};

/** A comparable picture of a store's or a model's state. */
function picture(source: GroupStore | GroupState) {
  return PARTITIONS.map((p) => {
    const s = source instanceof GroupState ? source.get(p) : source.state(p);
    if (s === undefined) return undefined;
    const sorted = <T>(entries: Iterable<[number, T]>) => [...entries].sort((a, b) => a[0] - b[0]);
    return {
      cursor: s.cursor,
      done: [...s.done].sort((a, b) => a - b),
      deliveries: sorted(s.deliveries),
      delayedUntil: sorted(s.delayedUntil),
    };
  });
}

function model(batches: GroupOp[][]): GroupState {
  const m = new GroupState();
  for (const op of batches.flat()) m.apply(op);
  return m;
}

const SAMPLE: GroupOp[][] = [
  [
    { op: 'init', partition: 0, cursor: 5 },
    { op: 'init', partition: 1, cursor: 0 },
  ],
  [
    { op: 'deliver', partition: 0, offset: 5 },
    { op: 'deliver', partition: 0, offset: 6 },
  ],
  [
    { op: 'deliver', partition: 0, offset: 6 },
    { op: 'done', partition: 0, offset: 7 },
  ],
  [{ op: 'delay', partition: 0, offset: 6, until: 1_700_000_000_000 }],
  [
    { op: 'done', partition: 1, offset: 0 },
    { op: 'done', partition: 1, offset: 2 },
  ],
  [
    { op: 'init', partition: 0, cursor: 99 },
    { op: 'done', partition: 0, offset: 5 },
  ],
];

const opArb: fc.Arbitrary<GroupOp> = fc.oneof(
  fc.record({
    op: fc.constant('init' as const),
    partition: fc.constantFrom(...PARTITIONS),
    cursor: fc.nat(20),
  }),
  fc.record({
    op: fc.constant('deliver' as const),
    partition: fc.constantFrom(...PARTITIONS),
    offset: fc.nat(30),
  }),
  fc.record({
    op: fc.constant('done' as const),
    partition: fc.constantFrom(...PARTITIONS),
    offset: fc.nat(30),
  }),
  fc.record({
    op: fc.constant('delay' as const),
    partition: fc.constantFrom(...PARTITIONS),
    offset: fc.nat(30),
    until: fc.nat(),
  }),
  fc.record({
    op: fc.constant('seek' as const),
    partition: fc.constantFrom(...PARTITIONS),
    cursor: fc.nat(30),
  }),
  fc.record({
    op: fc.constant('rewind' as const),
    partition: fc.constantFrom(...PARTITIONS),
    cursor: fc.nat(30),
  }),
);

/** Wraps a FileSystem to count datasyncs, and to hold writes while `gate` is set. */
function instrumented(inner: FileSystem) {
  const counts = { datasync: 0, writes: 0 };
  const ctl = { counts, gate: undefined as Promise<void> | undefined };
  const wrap = (h: FileHandle): FileHandle => ({
    ...h,
    write: async (data, position) => {
      counts.writes++;
      await ctl.gate;
      return h.write(data, position);
    },
    read: h.read.bind(h),
    truncate: h.truncate.bind(h),
    size: h.size.bind(h),
    close: h.close.bind(h),
    datasync: () => {
      counts.datasync++;
      return h.datasync();
    },
  });
  const fs: FileSystem = {
    ...inner,
    open: async (path, mode) => wrap(await inner.open(path, mode)),
  };
  return { fs, ctl };
}

describe('GroupState', () => {
  it('applies the op rules', () => {
    const s = model(SAMPLE);
    expect(picture(s)).toEqual([
      { cursor: 6, done: [7], deliveries: [[6, 2]], delayedUntil: [[6, 1_700_000_000_000]] },
      { cursor: 1, done: [2], deliveries: [], delayedUntil: [] },
      undefined,
    ]);
    s.apply({ op: 'deliver', partition: 0, offset: 3 }); // below the cursor
    s.apply({ op: 'done', partition: 0, offset: 10 });
    s.apply({ op: 'deliver', partition: 0, offset: 10 }); // done already
    s.apply({ op: 'deliver', partition: 0, offset: 12 });
    s.apply({ op: 'delay', partition: 0, offset: 13, until: 7 });
    s.apply({ op: 'deliver', partition: 2, offset: 1 }); // no init
    expect(picture(s)[0]).toEqual({
      cursor: 6,
      done: [7, 10],
      deliveries: [
        [6, 2],
        [12, 1],
      ],
      delayedUntil: [
        [6, 1_700_000_000_000],
        [13, 7],
      ],
    });
    s.apply({ op: 'seek', partition: 0, cursor: 10 });
    expect(picture(s)[0]).toEqual({
      cursor: 11,
      done: [],
      deliveries: [[12, 1]],
      delayedUntil: [[13, 7]],
    });
    s.apply({ op: 'seek', partition: 0, cursor: 13 });
    expect(picture(s)[0]).toEqual({
      cursor: 13,
      done: [],
      deliveries: [],
      delayedUntil: [[13, 7]],
    });
    // A rewind moves the cursor either way and forgets what was done or counted from it on.
    s.apply({ op: 'done', partition: 0, offset: 15 });
    s.apply({ op: 'deliver', partition: 0, offset: 14 });
    s.apply({ op: 'rewind', partition: 0, cursor: 2 });
    expect(picture(s)[0]).toEqual({ cursor: 2, done: [], deliveries: [], delayedUntil: [] });
    s.apply({ op: 'rewind', partition: 1, cursor: 9 });
    expect(picture(s)[1]).toEqual({ cursor: 9, done: [], deliveries: [], delayedUntil: [] });
    expect(picture(s)[2]).toBeUndefined();
  });

  it('rejects a malformed op before changing anything', async () => {
    const store = new MemoryGroupStore('g');
    const bad: unknown[] = [
      { op: 'init', partition: -1, cursor: 0 },
      { op: 'done', partition: 0, offset: 1.5 },
      { op: 'delay', partition: 0, offset: 1 },
      { op: 'nope', partition: 0 },
      null,
    ];
    for (const op of bad) {
      const ops = [{ op: 'init', partition: 0, cursor: 0 }, op] as GroupOp[];
      await expect(store.apply(ops)).rejects.toMatchObject({ code: 'INTERNAL' });
    }
    expect(store.state(0)).toBeUndefined();
    await store.close();
    await expect(store.apply([])).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});

describe('FileGroupStore on the real filesystem', () => {
  let root: string;
  let dir: string;
  const journal1 = () => join(dir, 'journal-0000000001.log');
  const open = (opts: Partial<GroupStoreOptions> = {}, fs: FileSystem = nodeFs) =>
    FileGroupStore.open(fs, dir, 'g', { ...OPTS, ...opts });
  const applyAll = async (batches: GroupOp[][], opts: Partial<GroupStoreOptions> = {}) => {
    const store = await open(opts);
    for (const b of batches) await store.apply(b);
    await store.close();
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ferry-group-'));
    dir = join(root, 'groups', 'g');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps cursor, done, deliveries and delays across close and reopen', async () => {
    await applyAll(SAMPLE.slice(0, 4));
    const store = await open();
    expect(picture(store)).toEqual(picture(model(SAMPLE.slice(0, 4))));
    expect(picture(store)[0]).toMatchObject({
      done: [7],
      deliveries: [
        [5, 1],
        [6, 2],
      ],
    });
    for (const b of SAMPLE.slice(4)) await store.apply(b);
    await store.close();
    await expect(store.apply(SAMPLE[1] ?? [])).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    const again = await open();
    expect(picture(again)).toEqual(picture(model(SAMPLE)));
    await again.close();
  });

  it('compacts into a checkpoint and deletes the old journals', async () => {
    const batches: GroupOp[][] = [[{ op: 'init', partition: 0, cursor: 0 }]];
    for (let i = 0; i < 300; i++) {
      batches.push([
        { op: 'deliver', partition: 0, offset: i },
        { op: 'done', partition: 0, offset: i ^ 1 },
      ]);
    }
    await applyAll(batches, { compactAfterBytes: 256 });
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('checkpoint');
    expect(files[1]).toMatch(/^journal-\d{10}\.log$/);
    expect(files[1]).not.toBe('journal-0000000001.log');
    const store = await open();
    expect(picture(store)).toEqual(picture(model(batches)));
    await store.close();
  });

  it('cuts a torn tail at every byte of the last record, keeping every earlier one', async () => {
    await applyAll(SAMPLE.slice(0, -1));
    const before = statSync(journal1()).size;
    await applyAll(SAMPLE.slice(-1));
    const full = readFileSync(journal1());
    for (let cut = before; cut < full.length; cut++) {
      writeFileSync(journal1(), full.subarray(0, cut));
      const store = await open();
      expect(picture(store)).toEqual(picture(model(SAMPLE.slice(0, -1))));
      await store.close();
      expect(statSync(journal1()).size).toBe(before);
    }
  });

  it('cuts garbage appended after the last record', async () => {
    await applyAll(SAMPLE);
    const size = statSync(journal1()).size;
    for (const garbage of [
      [0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5],
      [0, 0, 0, 4, 9, 9, 9, 9, 1, 2, 3, 4],
      [0, 0, 0],
    ]) {
      appendFileSync(journal1(), Uint8Array.from(garbage));
      const store = await open();
      expect(picture(store)).toEqual(picture(model(SAMPLE)));
      await store.apply([{ op: 'deliver', partition: 1, offset: 5 }]);
      await store.close();
      truncateSync(journal1(), size);
    }
  });

  it('reports a corrupt checkpoint', async () => {
    const batches = SAMPLE.concat(
      Array.from({ length: 50 }, () => [{ op: 'deliver', partition: 1, offset: 9 }]),
    );
    await applyAll(batches, { compactAfterBytes: 64 });
    const path = join(dir, 'checkpoint');
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x10;
    writeFileSync(path, bytes);
    await expect(open()).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
      message: expect.stringContaining(path),
    });
  });

  it('reports a bad record in a sealed journal', async () => {
    await applyAll(SAMPLE);
    writeFileSync(
      join(dir, 'journal-0000000002.log'),
      encodeOps([{ op: 'done', partition: 1, offset: 1 }]),
    );
    const bytes = readFileSync(journal1());
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    writeFileSync(journal1(), bytes);
    await expect(open()).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
      message: expect.stringContaining('journal-0000000001.log'),
    });
  });

  it('matches the model over random ops and reopens', async () => {
    const step = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.array(fc.array(opArb, { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 5,
        }),
      },
      { weight: 1, arbitrary: fc.constant('reopen' as const) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 12 }),
        fc.constantFrom(...(['always', 'interval', 'never'] as const)),
        async (steps, durability) => {
          rmSync(dir, { recursive: true, force: true });
          const m = new GroupState();
          let store = await open({ durability, compactAfterBytes: 96 });
          for (const s of steps) {
            if (s === 'reopen') {
              await store.close();
              store = await open({ durability, compactAfterBytes: 96 });
            } else {
              // A burst of concurrent applies: the model takes them in call order.
              await Promise.all(s.map((ops) => store.apply(ops)));
              for (const op of s.flat()) m.apply(op);
            }
            expect(picture(store)).toEqual(picture(m));
          }
          await store.close();
          const reopened = await open();
          expect(picture(reopened)).toEqual(picture(m));
          await reopened.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('group-commits concurrent applies into few datasyncs', async () => {
    const { fs, ctl } = instrumented(nodeFs);
    const store = await open({}, fs);
    await store.apply([{ op: 'init', partition: 0, cursor: 0 }]);
    ctl.counts.datasync = 0;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.apply([{ op: 'done', partition: 0, offset: i }])),
    );
    expect(ctl.counts.datasync).toBeLessThanOrEqual(3);
    expect(store.state(0)?.cursor).toBe(100);
    await store.close();
  });

  it('syncs on a timer with interval durability, and never with never', async () => {
    for (const durability of ['interval', 'never'] as const) {
      rmSync(dir, { recursive: true, force: true });
      const { fs, ctl } = instrumented(nodeFs);
      const store = await open({ durability, flushIntervalMs: 20, now: () => 0 }, fs);
      ctl.counts.datasync = 0;
      await store.apply([{ op: 'init', partition: 0, cursor: 0 }]);
      expect(ctl.counts.datasync).toBe(0);
      await new Promise((r) => setTimeout(r, 80));
      expect(ctl.counts.datasync).toBe(durability === 'interval' ? 1 : 0);
      await store.close();
    }
  });

  it('rejects with OVERLOADED beyond the pending bound, changing nothing', async () => {
    const { fs, ctl } = instrumented(nodeFs);
    const store = await open({ maxPendingBytes: 1000 }, fs);
    await store.apply([{ op: 'init', partition: 0, cursor: 0 }]);
    let release = () => {};
    ctl.gate = new Promise((r) => {
      release = r;
    });
    const outcomes: unknown[] = [];
    const applies = Array.from({ length: 400 }, (_, offset) => {
      const p = store.apply([{ op: 'done', partition: 0, offset }]);
      p.then(
        () => {},
        (e) => {
          outcomes[offset] = e;
        },
      );
      return p;
    });
    await new Promise((r) => setImmediate(r));
    const accepted = outcomes.findIndex((e) => e !== undefined);
    expect(accepted).toBeGreaterThan(100);
    expect(
      outcomes.slice(accepted).every((e) => (e as { code?: string }).code === 'OVERLOADED'),
    ).toBe(true);
    expect(outcomes.length).toBe(400);
    expect(store.state(0)?.cursor).toBe(accepted);
    release();
    await Promise.all(applies.slice(0, accepted));
    await store.close();
  });
});

/**
 * Cuts a store off its filesystem, as a process dies with the power: nothing
 * it does afterwards lands. Every call first waits a random few microtasks,
 * as slow I/O would, so that crashes fall between a write and its datasync.
 */
function killable(inner: FileSystem, rng: () => number) {
  let dead = false;
  const alive = () => {
    if (dead) throw Object.assign(new Error('EIO: the process died'), { code: 'EIO' });
  };
  const guard = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, key) {
        const value: unknown = Reflect.get(t, key);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          for (let i = Math.floor(rng() * 8); i > 0; i--) await Promise.resolve();
          alive();
          const result: unknown = await value.apply(t, args);
          alive();
          return key === 'open' ? guard(result as FileHandle) : result;
        };
      },
    });
  return { fs: guard(inner), kill: () => (dead = true) };
}

function randomOps(rng: () => number): GroupOp[] {
  const pick = (n: number) => Math.floor(rng() * n);
  return Array.from({ length: 1 + pick(4) }, (): GroupOp => {
    const partition = pick(PARTITIONS.length);
    const offset = pick(40);
    switch (pick(6)) {
      case 0:
        return { op: 'init', partition, cursor: pick(5) };
      case 1:
        return { op: 'deliver', partition, offset };
      case 2:
        return { op: 'delay', partition, offset, until: pick(1e6) };
      case 3:
        return pick(10) === 0
          ? { op: pick(2) === 0 ? 'seek' : 'rewind', partition, cursor: offset }
          : { op: 'done', partition, offset };
      default:
        return { op: 'done', partition, offset };
    }
  });
}

describe('FileGroupStore on a simulated filesystem', () => {
  const dir = '/data/groups/g';

  // With 'never' nothing is promised but a consistent prefix; sealed journals must still be whole.
  // Lazy applies (deliveries, CONS-6) promise nothing either, but a later durable one covers them.
  it.each([
    ['always', false],
    ['always', true],
    ['never', false],
  ] as const)(
    '[CONS-6] keeps every acknowledged op through 50 crashes (%s, some lazy: %s)',
    async (durability, someLazy) => {
      const sfs = new SimulatedFs();
      const rng = seededRandom(7);
      let committed: GroupOp[][] = [];
      let attempted: GroupOp[][] = [];
      let acked = 0;
      for (let crash = 0; crash <= 50; crash++) {
        const life = killable(sfs, rng);
        const store = await FileGroupStore.open(life.fs, dir, 'g', {
          ...OPTS,
          durability,
          compactAfterBytes: 200,
        });
        // What survived is a prefix of the attempted batches holding every acknowledged one.
        const recovered = picture(store);
        const m = model(committed);
        for (const b of attempted.slice(0, acked)) for (const op of b) m.apply(op);
        let k = acked;
        while (!util.isDeepStrictEqual(picture(m), recovered)) {
          const next = attempted[k++];
          expect(
            next,
            `crash ${crash}: the recovered state is no prefix of the ops holding every acknowledged one`,
          ).toBeDefined();
          for (const op of next ?? []) m.apply(op);
        }
        committed = committed.concat(attempted.slice(0, k));
        if (crash === 50) return store.close();
        attempted = [];
        let resolved = 0;
        // Applies arrive on random microtasks; the power fails on one too, whatever is in flight.
        for (let tick = Math.floor(rng() * 300); tick > 0; tick--) {
          if (rng() < 0.3) {
            const index = attempted.push(randomOps(rng));
            const lazy = someLazy && rng() < 0.5;
            store.apply(attempted[index - 1] ?? [], lazy).then(
              () => {
                if (!lazy) resolved = Math.max(resolved, index);
              },
              () => {},
            );
          }
          await Promise.resolve();
        }
        acked = durability === 'always' ? resolved : 0;
        life.kill();
        sfs.crash(rng);
      }
    },
  );

  it('fails the store after a datasync EIO', async () => {
    const sfs = new SimulatedFs();
    const store = await FileGroupStore.open(sfs, dir, 'g', OPTS);
    await store.apply([{ op: 'init', partition: 0, cursor: 0 }]);
    sfs.failNextDatasync('EIO');
    await expect(store.apply([{ op: 'done', partition: 0, offset: 0 }])).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
    await expect(store.apply([{ op: 'done', partition: 0, offset: 1 }])).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
    await store.close();
  });

  it('rejects a write that hits ENOSPC and keeps the journal valid', async () => {
    const sfs = new SimulatedFs();
    const store = await FileGroupStore.open(sfs, dir, 'g', OPTS);
    await store.apply([{ op: 'init', partition: 0, cursor: 0 }]);
    sfs.failWritesAfter(3);
    await expect(store.apply([{ op: 'deliver', partition: 0, offset: 0 }])).rejects.toMatchObject({
      code: 'STORAGE_FULL',
    });
    sfs.failWritesAfter(undefined);
    await store.apply([{ op: 'done', partition: 0, offset: 0 }]);
    await store.close();
    const reopened = await FileGroupStore.open(sfs, dir, 'g', OPTS);
    expect(reopened.state(0)).toMatchObject({ cursor: 1, deliveries: new Map() });
    await reopened.close();
  });
});
