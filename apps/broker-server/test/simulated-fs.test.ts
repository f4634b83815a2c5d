import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FsError, SimulatedFs, seededRandom } from '../src/testing/simulated-fs.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An rng that keeps no unsynced byte through a crash (the torn-tail coin comes up "lost"). */
const noTail = (): number => 0.99;

/** An rng returning `values` in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++] ?? 0.99;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as FsError).code).toBe(code);
}

async function withDir(): Promise<SimulatedFs> {
  const fs = new SimulatedFs();
  await fs.mkdir('/d');
  return fs;
}

/** A file whose entry is durable. */
async function durableFile(fs: SimulatedFs, path = '/d/f') {
  const h = await fs.open(path, 'create');
  await fs.syncDir('/d');
  return h;
}

describe('SimulatedFs: content', () => {
  it('extends the file with a zero gap on a write past the end; short reads at the end', async () => {
    const fs = await withDir();
    const h = await fs.open('/d/f', 'write');
    await h.write(enc('ab'), 0);
    await h.write(enc('z'), 4);
    expect(await h.size()).toBe(5);
    expect(fs.snapshot('/d/f')).toEqual(new Uint8Array([97, 98, 0, 0, 122]));

    const into = new Uint8Array(8).fill(7);
    expect(await h.read(into, 1, 8, 3)).toBe(2);
    expect(into).toEqual(new Uint8Array([7, 0, 122, 7, 7, 7, 7, 7]));
    expect(await h.read(into, 0, 4, 5)).toBe(0);
    expect(await h.read(into, 0, 4, 9)).toBe(0);
  });

  it('zero-fills when a truncated file grows again', async () => {
    const fs = await withDir();
    const h = await fs.open('/d/f', 'write');
    await h.write(enc('abcdef'), 0);
    await h.truncate(2);
    await h.truncate(4);
    expect(fs.snapshot('/d/f')).toEqual(new Uint8Array([97, 98, 0, 0]));
  });

  it('loses an unsynced write in a crash and keeps a synced one', async () => {
    const fs = await withDir();
    const h = await durableFile(fs);
    await h.write(enc('kept'), 0);
    await h.datasync();
    await h.write(enc('lost'), 4);
    expect(await fs.readFile('/d/f')).toEqual(enc('keptlost'));
    expect(fs.durableSnapshot('/d/f')).toEqual(enc('kept'));

    fs.crash(noTail);
    expect(await fs.readFile('/d/f')).toEqual(enc('kept'));
    expect(fs.durableSnapshot('/d/f')).toEqual(enc('kept'));
  });

  it('loses an unsynced overwrite inside the durable content', async () => {
    const fs = await withDir();
    const h = await durableFile(fs);
    await h.write(enc('abcd'), 0);
    await h.datasync();
    await h.write(enc('XY'), 1);
    fs.crash(sequence(0, 0.99)); // a kept tail would be empty: nothing lies beyond the durable length
    expect(fs.snapshot('/d/f')).toEqual(enc('abcd'));
  });

  it('undoes an unsynced truncation and keeps a synced one', async () => {
    const fs = await withDir();
    let h = await durableFile(fs);
    await h.write(enc('abcdef'), 0);
    await h.datasync();
    await h.truncate(2);
    fs.crash(noTail);
    expect(fs.snapshot('/d/f')).toEqual(enc('abcdef'));

    h = await fs.open('/d/f', 'write');
    await h.truncate(2);
    await h.datasync();
    fs.crash(noTail);
    expect(fs.snapshot('/d/f')).toEqual(enc('ab'));
  });

  it('may keep a torn prefix of the unsynced tail', async () => {
    const fs = await withDir();
    const h = await durableFile(fs);
    await h.write(enc('abcd'), 0);
    await h.datasync();
    await h.write(enc('efgh'), 4);
    // Torn (0 < 1/2), keeps floor(0.5 * 5) = 2 bytes, no garbage (0.99 >= 1/4).
    fs.crash(sequence(0, 0.5, 0.99));
    expect(fs.snapshot('/d/f')).toEqual(enc('abcdef'));
    expect(fs.durableSnapshot('/d/f')).toEqual(enc('abcdef'));
  });

  it('loses, tears and garbles unsynced tails across seeds, garbling at most a sector', async () => {
    const outcomes = { lost: 0, torn: 0, garbled: 0 };
    for (let seed = 0; seed < 200; seed++) {
      const fs = await withDir();
      const h = await durableFile(fs);
      await h.write(new Uint8Array(2000).fill(1), 0);
      fs.crash(seededRandom(seed));
      const after = fs.snapshot('/d/f') ?? new Uint8Array(0);
      if (after.length === 0) outcomes.lost++;
      else if (after.every((b) => b === 1)) outcomes.torn++;
      else {
        outcomes.garbled++;
        expect(after.subarray(0, -512).every((b) => b === 1)).toBe(true);
      }
    }
    expect(outcomes.lost).toBeGreaterThan(0);
    expect(outcomes.torn).toBeGreaterThan(0);
    expect(outcomes.garbled).toBeGreaterThan(0);
  });

  it('keeps each crash within what was synced plus a torn prefix of what was written', async () => {
    type Op =
      | { kind: 'write'; position: number; data: Uint8Array }
      | { kind: 'truncate'; length: number }
      | { kind: 'datasync' }
      | { kind: 'crash'; seed: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('write' as const),
        position: fc.nat(1200), // long zero gaps make tails longer than a sector
        data: fc.uint8Array({ maxLength: 40 }),
      }),
      fc.record({ kind: fc.constant('truncate' as const), length: fc.nat(1300) }),
      fc.constant({ kind: 'datasync' as const }),
      fc.record({ kind: fc.constant('crash' as const), seed: fc.integer() }),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const fs = await withDir();
        let h = await durableFile(fs);
        // An independent model: what reads should see, and what was last synced.
        let written: Uint8Array = new Uint8Array(0);
        let synced: Uint8Array = new Uint8Array(0);
        for (const o of ops) {
          if (o.kind === 'write') {
            await h.write(o.data, o.position);
            if (o.data.length > 0) {
              const next = new Uint8Array(Math.max(written.length, o.position + o.data.length));
              next.set(written);
              next.set(o.data, o.position);
              written = next;
            }
          } else if (o.kind === 'truncate') {
            await h.truncate(o.length);
            const next = new Uint8Array(o.length);
            next.set(written.subarray(0, o.length));
            written = next;
          } else if (o.kind === 'datasync') {
            await h.datasync();
            synced = written.slice();
          } else {
            fs.crash(seededRandom(o.seed));
            const after = fs.snapshot('/d/f') ?? new Uint8Array(0);
            expect(after.length).toBeGreaterThanOrEqual(synced.length);
            expect(after.length).toBeLessThanOrEqual(Math.max(synced.length, written.length));
            expect(after.subarray(0, synced.length)).toEqual(synced);
            // Beyond the synced bytes: the written ones, but for garbage in at most the last sector.
            const firstWrong = after.findIndex((b, i) => i >= synced.length && b !== written[i]);
            if (firstWrong >= 0) expect(after.length - firstWrong).toBeLessThanOrEqual(512);
            expect(fs.durableSnapshot('/d/f')).toEqual(after);
            written = after;
            synced = after.slice();
            h = await fs.open('/d/f', 'write');
          }
          expect(fs.snapshot('/d/f')).toEqual(written);
          expect(fs.durableSnapshot('/d/f')).toEqual(synced);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('flips bits in both the volatile and the durable content with corrupt()', async () => {
    const fs = await withDir();
    const h = await durableFile(fs);
    await h.write(new Uint8Array([1, 2, 3]), 0);
    await h.datasync();
    fs.corrupt('/d/f', 1, 0x81);
    expect(fs.snapshot('/d/f')).toEqual(new Uint8Array([1, 0x83, 3]));
    expect(fs.durableSnapshot('/d/f')).toEqual(new Uint8Array([1, 0x83, 3]));
    fs.crash(noTail);
    expect(fs.snapshot('/d/f')).toEqual(new Uint8Array([1, 0x83, 3]));
    expect(() => fs.corrupt('/d/f', 3, 1)).toThrow(RangeError);
    expect(() => fs.corrupt('/d/missing', 0, 1)).toThrow();
  });
});

describe('SimulatedFs: directory entries', () => {
  it('loses a file created without syncDir and keeps one created with it', async () => {
    const fs = await withDir();
    for (const name of ['/d/a', '/d/b']) {
      const h = await fs.open(name, 'write');
      await h.write(enc('x'), 0);
      await h.datasync(); // data durable, but the entry is not
    }
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual([]);

    const h = await fs.open('/d/b', 'create');
    await h.write(enc('y'), 0);
    await h.datasync();
    await fs.syncDir('/d');
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual(['b']);
    expect(await fs.readFile('/d/b')).toEqual(enc('y'));
  });

  it('makes a rename durable only with syncDir, replacing the target atomically', async () => {
    const fs = await withDir();
    for (const [name, text] of [
      ['/d/old', 'old'],
      ['/d/tmp', 'new'],
    ] as const) {
      const h = await fs.open(name, 'create');
      await h.write(enc(text), 0);
      await h.datasync();
    }
    await fs.syncDir('/d');

    await fs.rename('/d/tmp', '/d/old');
    expect(await fs.readdir('/d')).toEqual(['old']);
    expect(await fs.readFile('/d/old')).toEqual(enc('new'));
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual(['old', 'tmp']);
    expect(await fs.readFile('/d/old')).toEqual(enc('old'));

    await fs.rename('/d/tmp', '/d/old');
    await fs.syncDir('/d');
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual(['old']);
    expect(await fs.readFile('/d/old')).toEqual(enc('new'));
  });

  it('needs both directories synced for a rename across them', async () => {
    const fs = await withDir();
    await fs.mkdir('/e');
    await durableFile(fs);
    await fs.rename('/d/f', '/e/f');
    await fs.syncDir('/e');
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual(['f']);
    expect(await fs.readdir('/e')).toEqual(['f']);
  });

  it('brings back a file unlinked without syncDir; an open handle outlives unlink', async () => {
    const fs = await withDir();
    const h = await durableFile(fs);
    await h.write(enc('data'), 0);
    await fs.unlink('/d/f');
    expect(await fs.readFile('/d/f')).toBeUndefined();
    expect(await h.size()).toBe(4);
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual(['f']);

    await fs.unlink('/d/f');
    await fs.syncDir('/d');
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual([]);
  });

  it('makes mkdir and rmdir durable at once; lists subdirectories', async () => {
    const fs = new SimulatedFs();
    await fs.mkdir('/a/b/c');
    await fs.mkdir('a/x/'); // relative and absolute paths are distinct keys
    expect(await fs.readdir('/a')).toEqual(['b']);
    await fs.open('/a/b/f', 'create');
    await fs.syncDir('/a/b');
    fs.crash(noTail);
    expect(await fs.readdir('/a/b')).toEqual(['c', 'f']);

    await fs.rmdir('/a/b');
    await fs.rmdir('/nowhere');
    fs.crash(noTail);
    expect(await fs.readdir('/a')).toEqual([]);
    expect(await fs.readdir('/a/b')).toEqual([]);
    expect(await fs.readdir('a')).toEqual(['x']);
    await expectCode(fs.open('/a/b/f', 'read'), 'ENOENT');
  });

  it('renames a directory with everything below it, at once and durably; onto a non-empty one it fails', async () => {
    const fs = new SimulatedFs();
    await fs.mkdir('/s/.aside/p/0');
    const h = await fs.open('/s/.aside/p/0/f', 'create');
    await h.write(enc('kept'), 0);
    await h.datasync();
    await fs.syncDir('/s/.aside/p/0');
    await fs.mkdir('/s/full/x');
    await expectCode(fs.rename('/s/.aside', '/s/full'), 'ENOTEMPTY');
    await fs.mkdir('/s/empty');
    await fs.rename('/s/.aside', '/s/empty');
    await h.write(enc('!'), 4); // an open handle follows its file
    fs.crash(noTail);
    expect(await fs.readdir('/s')).toEqual(['empty', 'full']);
    expect(await fs.readFile('/s/empty/p/0/f')).toEqual(enc('kept'));
    expect(await fs.readdir('/s/.aside')).toEqual([]);
  });

  it('treats paths as keys after normalising them', async () => {
    const fs = await withDir();
    const h = await fs.open('/d/./x/../f', 'write');
    await h.write(enc('n'), 0);
    expect(await fs.readFile('/d/f')).toEqual(enc('n'));
    await expectCode(fs.open('/d/', 'write'), 'EISDIR');
  });
});

describe('SimulatedFs: Node semantics', () => {
  it('rejects like Node', async () => {
    const fs = await withDir();
    await expectCode(fs.open('/d/f', 'read'), 'ENOENT');
    await expectCode(fs.open('/nodir/f', 'write'), 'ENOENT');
    await fs.open('/d/f', 'create');
    await expectCode(fs.open('/d/f', 'create'), 'EEXIST');
    await expectCode(fs.unlink('/d/missing'), 'ENOENT');
    await expectCode(fs.rename('/d/missing', '/d/g'), 'ENOENT');
    await expectCode(fs.syncDir('/nodir'), 'ENOENT');
    expect(await fs.readdir('/nodir')).toEqual([]);
    expect(await fs.readFile('/d/missing')).toBeUndefined();

    const ro = await fs.open('/d/f', 'read');
    await expectCode(ro.write(enc('x'), 0), 'EBADF');
    await expectCode(ro.truncate(0), 'EINVAL');
  });

  it('rejects every call on a closed handle, but closing twice is fine', async () => {
    const fs = await withDir();
    const h = await fs.open('/d/f', 'write');
    await h.close();
    await h.close();
    await expectCode(h.write(enc('x'), 0), 'EBADF');
    await expectCode(h.read(new Uint8Array(1), 0, 1, 0), 'EBADF');
    await expectCode(h.datasync(), 'EBADF');
    await expectCode(h.truncate(0), 'EBADF');
    await expectCode(h.size(), 'EBADF');
  });

  it('kills every handle opened before a crash, in-flight writes included', async () => {
    const fs = await withDir();
    const h = await durableFile(fs);
    const inFlight = h.write(enc('x'), 0);
    fs.crash(noTail);
    await expectCode(inFlight, 'EBADF');
    await expectCode(h.write(enc('x'), 0), 'EBADF');
    await expectCode(h.read(new Uint8Array(1), 0, 1, 0), 'EBADF');
    await expectCode(h.datasync(), 'EBADF');
    await expectCode(h.truncate(0), 'EBADF');
    await expectCode(h.size(), 'EBADF');
    await expectCode(h.close(), 'EBADF');
    expect(fs.snapshot('/d/f')).toEqual(new Uint8Array(0));
    expect(await (await fs.open('/d/f', 'read')).size()).toBe(0);
  });

  it('interleaves concurrent writes and datasyncs like real I/O', async () => {
    const fs = await withDir();
    const h = await fs.open('/d/f', 'write');
    const write = h.write(enc('a'), 0);
    expect(fs.snapshot('/d/f')).toEqual(new Uint8Array(0)); // not yet
    const sync = h.datasync();
    await Promise.all([write, sync]);
    expect(fs.durableSnapshot('/d/f')).toBeUndefined(); // the entry is not durable
    await fs.syncDir('/d');
    expect(fs.durableSnapshot('/d/f')).toEqual(enc('a'));
  });
});

describe('SimulatedFs: fault injection', () => {
  it('writes what fits the ENOSPC quota, then rejects every write until lifted', async () => {
    const fs = await withDir();
    const h = await fs.open('/d/f', 'write');
    fs.failWritesAfter(5);
    await h.write(enc('abc'), 0);
    await expectCode(h.write(enc('defg'), 3), 'ENOSPC');
    expect(fs.snapshot('/d/f')).toEqual(enc('abcde'));
    await expectCode(h.write(enc('x'), 0), 'ENOSPC');
    await expectCode(h.write(new Uint8Array(0), 0), 'ENOSPC');
    expect(fs.snapshot('/d/f')).toEqual(enc('abcde'));
    fs.failWritesAfter(undefined);
    await h.write(enc('fg'), 5);
    expect(fs.snapshot('/d/f')).toEqual(enc('abcdefg'));
    expect(fs.writeCount).toBe(5);
  });

  it('makes nothing durable on a failed datasync; the next one succeeds', async () => {
    const fs = await withDir();
    const h = await durableFile(fs);
    await h.write(enc('abc'), 0);
    await h.datasync();
    await h.write(enc('def'), 3);
    await h.truncate(1);
    fs.failNextDatasync();
    await expectCode(h.datasync(), 'EIO');
    expect(fs.durableSnapshot('/d/f')).toEqual(enc('abc'));
    expect(fs.snapshot('/d/f')).toEqual(enc('a'));
    await h.datasync();
    expect(fs.durableSnapshot('/d/f')).toEqual(enc('a'));
    expect(fs.datasyncCount).toBe(3);
  });

  it('fails the next write without writing, with the given code', async () => {
    const fs = await withDir();
    const h = await fs.open('/d/f', 'write');
    fs.failNextWrite('ENOSPC');
    await expectCode(h.write(enc('abc'), 0), 'ENOSPC');
    expect(fs.snapshot('/d/f')).toEqual(new Uint8Array(0));
    await h.write(enc('abc'), 0);
    expect(fs.snapshot('/d/f')).toEqual(enc('abc'));
  });

  it('fails the next syncDir without making entries durable', async () => {
    const fs = await withDir();
    await fs.open('/d/f', 'create');
    fs.failNextSyncDir();
    await expectCode(fs.syncDir('/d'), 'EIO');
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual([]);
    await fs.open('/d/f', 'create');
    await fs.syncDir('/d');
    fs.crash(noTail);
    expect(await fs.readdir('/d')).toEqual(['f']);
  });
});
