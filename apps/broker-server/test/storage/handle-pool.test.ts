import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PooledFileSystem } from '../../src/storage/fs/pooled-fs.js';
import type { FileHandle, FileSystem, OpenMode } from '../../src/storage/fs/types.js';

/** A file of the fake filesystem: its bytes, and what its open descriptors are doing. */
interface FakeFile {
  bytes: number[];
  /** Written through some descriptor and not datasynced since. */
  dirty: boolean;
}

/**
 * An in-memory filesystem that checks the pool's promises on every call: never more
 * descriptors than the capacity, never a close under a call in progress, never a close
 * of a descriptor with unsynced writes (unless its datasync failed).
 */
class CheckingFs implements FileSystem {
  readonly files = new Map<string, FakeFile>();
  readonly opens: Array<{ path: string; mode: OpenMode }> = [];
  openNow = 0;
  maxOpen = 0;
  readonly violations: string[] = [];
  /** Paths whose next datasync fails with EIO. */
  readonly failSync = new Set<string>();
  /** Descriptors the process may hold (others hold the rest): past it open fails with EMFILE. */
  processLimit = Number.POSITIVE_INFINITY;

  constructor(
    private readonly capacity: number,
    private readonly pause: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    await this.pause();
    if (this.openNow >= this.processLimit)
      throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    let file = this.files.get(path);
    if (file !== undefined && mode === 'create')
      throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
    if (file === undefined) {
      if (mode === 'read') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      file = { bytes: [], dirty: false };
      this.files.set(path, file);
    }
    this.opens.push({ path, mode });
    this.openNow++;
    this.maxOpen = Math.max(this.maxOpen, this.openNow);
    if (this.openNow > this.capacity) this.violations.push(`${this.openNow} descriptors open`);
    return this.descriptor(path, file, mode !== 'read');
  }

  private descriptor(path: string, file: FakeFile, writable: boolean): FileHandle {
    let inFlight = 0;
    let closed = false;
    let syncFailed = false;
    const call = async <T>(what: string, body: () => T): Promise<T> => {
      if (closed) this.violations.push(`${what} on a closed descriptor of ${path}`);
      inFlight++;
      try {
        await this.pause();
        return body();
      } finally {
        inFlight--;
      }
    };
    return {
      write: (data, position) =>
        call('write', () => {
          if (!writable) throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
          file.dirty = true;
          data.forEach((b, i) => {
            file.bytes[position + i] = b;
          });
        }),
      read: (into, offset, length, position) =>
        call('read', () => {
          const got = file.bytes.slice(position, position + length);
          into.set(got, offset);
          return got.length;
        }),
      datasync: () =>
        call('datasync', () => {
          if (this.failSync.delete(path)) {
            syncFailed = true;
            throw Object.assign(new Error(`EIO: datasync of ${path}`), { code: 'EIO' });
          }
          file.dirty = false;
        }),
      truncate: (length) =>
        call('truncate', () => {
          file.dirty = true;
          file.bytes.length = length;
        }),
      size: () => call('size', () => file.bytes.length),
      close: async () => {
        if (inFlight > 0) this.violations.push(`closed ${path} under ${inFlight} calls`);
        if (file.dirty && writable && !syncFailed)
          this.violations.push(`closed ${path} with unsynced writes`);
        closed = true;
        this.openNow--;
      },
    };
  }

  async mkdir(): Promise<void> {}
  async readdir(): Promise<string[]> {
    await this.pause();
    return [...this.files.keys()];
  }
  async rename(): Promise<void> {}
  async unlink(path: string): Promise<void> {
    this.files.delete(path);
  }
  async rmdir(): Promise<void> {}
  async syncDir(): Promise<void> {
    // A directory sync holds a descriptor while it runs.
    this.openNow++;
    if (this.openNow > this.capacity) this.violations.push(`${this.openNow} descriptors open`);
    await this.pause();
    this.openNow--;
  }
  async readFile(): Promise<Uint8Array | undefined> {
    return undefined;
  }
}

type Op =
  | { kind: 'write'; file: number; at: number; byte: number }
  | { kind: 'read'; file: number }
  | { kind: 'datasync'; file: number }
  | { kind: 'truncate'; file: number; length: number }
  | { kind: 'syncDir' };

describe('handle pool [LIMITS-3]', () => {
  const FILES = 12;
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('write' as const),
      file: fc.nat(FILES - 1),
      at: fc.nat(16),
      byte: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('read' as const), file: fc.nat(FILES - 1) }),
    fc.record({ kind: fc.constant('datasync' as const), file: fc.nat(FILES - 1) }),
    fc.record({
      kind: fc.constant('truncate' as const),
      file: fc.nat(FILES - 1),
      length: fc.nat(16),
    }),
    fc.record({ kind: fc.constant('syncDir' as const) }),
  );

  it('[LIMITS-3] never holds more than its capacity, never closes a handle in use or with unsynced writes, and serves what was written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        async (s, capacity, workers) => {
          const inner = new CheckingFs(capacity, () => s.schedule(Promise.resolve()));
          const fs = new PooledFileSystem(inner, capacity);
          const opening = Array.from({ length: FILES }, (_, i) =>
            fs.open(`/f${i}`, i % 2 === 0 ? 'create' : 'write'),
          );
          const handles = Promise.all(opening);
          // Per file, a model of its bytes; workers on one file are serialised by a chain.
          const model = Array.from({ length: FILES }, () => [] as number[]);
          const chains = Array.from({ length: FILES }, () => Promise.resolve());
          const run = async (o: Op, hs: FileHandle[]) => {
            if (o.kind === 'syncDir') return fs.syncDir('/');
            const h = hs[o.file] as FileHandle;
            const m = model[o.file] as number[];
            const step = async () => {
              if (o.kind === 'write') {
                await h.write(Uint8Array.of(o.byte), o.at);
                for (let i = m.length; i < o.at; i++) m[i] = 0;
                m[o.at] = o.byte;
              } else if (o.kind === 'truncate') {
                await h.truncate(o.length);
                for (let i = m.length; i < o.length; i++) m[i] = 0;
                m.length = o.length;
              } else if (o.kind === 'datasync') {
                await h.datasync();
              } else {
                const into = new Uint8Array(32);
                const n = await h.read(into, 0, 32, 0);
                expect([...into.subarray(0, n)]).toEqual(m.map((b) => b ?? 0));
              }
            };
            const next = (chains[o.file] as Promise<void>).then(step);
            chains[o.file] = next.catch(() => undefined);
            return next;
          };
          const done = handles.then((hs) =>
            Promise.all(
              workers.map(async (ops) => {
                for (const o of ops) await run(o, hs);
              }),
            ).then(() =>
              // Owners datasync before they close; a close with unsynced writes is then the pool's.
              Promise.all(hs.map(async (h) => h.datasync().then(() => h.close()))),
            ),
          );
          await s.waitFor(done);
          expect(inner.violations).toEqual([]);
          expect(inner.openNow).toBe(0);
          expect(fs.pool.size).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("[LIMITS-3] reopens a file created with 'create' with 'write', and keeps 'read' read-only", async () => {
    const inner = new CheckingFs(1);
    const fs = new PooledFileSystem(inner, 1);
    const created = await fs.open('/new', 'create');
    await created.write(Uint8Array.of(1, 2, 3), 0);
    const reader = await fs.open('/new', 'read');
    expect(await reader.size()).toBe(3);
    await created.write(Uint8Array.of(4), 3);
    expect(await reader.size()).toBe(4);
    await expect(reader.write(Uint8Array.of(9), 0)).rejects.toMatchObject({ code: 'EBADF' });
    expect(inner.opens).toEqual([
      { path: '/new', mode: 'create' },
      { path: '/new', mode: 'read' },
      { path: '/new', mode: 'write' },
      { path: '/new', mode: 'read' },
    ]);
    await Promise.all([created.close(), reader.close()]);
    expect(inner.violations).toEqual([]);
  });

  it('[LIMITS-3] datasyncs unsynced writes before closing an idle handle; a failed datasync is the answer to the next call and to the next datasync', async () => {
    const inner = new CheckingFs(1);
    const fs = new PooledFileSystem(inner, 1);
    const a = await fs.open('/a', 'create');
    await a.write(Uint8Array.of(1), 0);
    inner.failSync.add('/a');
    // Opening /b needs /a's slot: /a is datasynced (which fails) and closed.
    const b = await fs.open('/b', 'create');
    expect(inner.files.get('/a')?.dirty).toBe(true);
    const first = a.read(new Uint8Array(1), 0, 1, 0);
    await expect(first).rejects.toThrow('EIO: datasync of /a');
    // The reader was told; the writer's next datasync must not report success either.
    expect(await a.size()).toBe(1);
    await expect(a.datasync()).rejects.toThrow('EIO: datasync of /a');
    await a.datasync();
    expect(inner.files.get('/a')?.dirty).toBe(false);
    await Promise.all([a.close(), b.close()]);
    expect(inner.violations).toEqual([]);
  });

  it('[LIMITS-3] a failed datasync at eviction that no call was told of fails the close', async () => {
    const inner = new CheckingFs(1);
    const fs = new PooledFileSystem(inner, 1);
    const a = await fs.open('/a', 'create');
    await a.write(Uint8Array.of(1), 0);
    inner.failSync.add('/a');
    const b = await fs.open('/b', 'create');
    await expect(a.close()).rejects.toThrow('EIO: datasync of /a');
    await b.close();
    expect(fs.pool.size).toBe(0);
  });

  it('[LIMITS-3] when the process is out of descriptors before the pool is full, idle handles are closed to make room', async () => {
    const inner = new CheckingFs(8);
    const fs = new PooledFileSystem(inner, 8);
    inner.processLimit = 3;
    const handles = [];
    for (let i = 0; i < 6; i++) {
      const h = await fs.open(`/f${i}`, 'create');
      await h.write(Uint8Array.of(i), 0);
      handles.push(h);
    }
    for (const [i, h] of handles.entries()) {
      const into = new Uint8Array(1);
      await h.read(into, 0, 1, 0);
      expect(into[0]).toBe(i);
    }
    await Promise.all(handles.map((h) => h.datasync().then(() => h.close())));
    expect(inner.violations).toEqual([]);
    expect(fs.pool.size).toBe(0);
    // With nothing idle to close, the error is the caller's.
    inner.processLimit = 0;
    await expect(fs.open('/more', 'create')).rejects.toMatchObject({ code: 'EMFILE' });
    expect(fs.pool.size).toBe(0);
  });

  it('[LIMITS-3] a call waits for a free slot when every handle is in use, and close waits for calls in progress', async () => {
    let release: () => void = () => {};
    let gate = Promise.resolve();
    const inner = new CheckingFs(1, () => gate);
    const fs = new PooledFileSystem(inner, 1);
    const a = await fs.open('/a', 'create');
    gate = new Promise((r) => {
      release = r;
    });
    const reading = a.size();
    const opening = fs.open('/b', 'create');
    const closing = a.close();
    let settled = false;
    void Promise.race([opening, closing]).then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    release();
    expect(await reading).toBe(0);
    await closing;
    await (await opening).close();
    expect(inner.violations).toEqual([]);
    expect(inner.maxOpen).toBe(1);
  });
});
