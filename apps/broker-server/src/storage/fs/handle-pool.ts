/**
 * A bounded pool of open files [LIMITS-3]: every handle the storage engine
 * holds is a `PooledHandle` that names its file and holds a descriptor only
 * while the pool lets it. When the pool is full, the least recently used idle
 * handle is closed; it reopens its file on its next call.
 *
 * What a caller can rely on, as with a plain handle:
 * - a handle with a call in progress is never closed under it;
 * - writes not yet datasynced are datasynced before the descriptor is closed,
 *   and if that datasync fails, the error is the answer to the next call on
 *   the handle, and to the next datasync too if that call was not one: after
 *   a failed fsync the kernel may drop the dirty pages and report success
 *   later ("fsyncgate"), so the error is the only trace of the lost writes;
 * - a file first opened with 'create' is reopened with 'write' (it exists now,
 *   it is ours), and one opened with 'read' stays read-only.
 *
 * A pooled handle reopens its file by path: the owner closes it before it
 * renames or deletes the file.
 */
import type { FileHandle, FileSystem, OpenMode } from './types.js';

export class HandlePool {
  /** Descriptor slots taken: open handles, handles opening or closing, and one-off operations. */
  private held = 0;
  /** Open handles with no call in progress, least recently used first (a Set keeps insertion order). */
  private readonly idle = new Set<PooledHandle>();
  private readonly waiting: Array<() => void> = [];
  /** Slots whose holders wait for the process to have a descriptor free. */
  private starved = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`a handle pool needs at least one slot, got ${capacity}`);
  }

  /** Descriptors held now. */
  get size(): number {
    return this.held;
  }

  /** Takes a slot, closing the least recently used idle handle when the pool is full. */
  async acquire(): Promise<void> {
    for (;;) {
      if (this.held < this.capacity) {
        this.held++;
        return;
      }
      if (await this.evictOne()) continue;
      // Every slot is in use by a call in progress: one of them will end.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  release(): void {
    this.held--;
    this.wakeOne();
  }

  /** The handle's call ended: it may be closed, most recently used last. */
  markIdle(handle: PooledHandle): void {
    this.idle.add(handle);
    this.wakeOne();
  }

  markBusy(handle: PooledHandle): void {
    this.idle.delete(handle);
  }

  /** Opens `path` as a pooled handle: opened now (so 'create' and 'read' fail as they would), closed when the pool needs the slot. */
  async open(fs: FileSystem, path: string, mode: OpenMode): Promise<PooledHandle> {
    await this.acquire();
    let fd: FileHandle;
    try {
      fd = await this.withDescriptors(() => fs.open(path, mode));
    } catch (e) {
      this.release();
      throw e;
    }
    const handle = new PooledHandle(this, fs, path, mode === 'create' ? 'write' : mode, fd);
    this.markIdle(handle);
    return handle;
  }

  /** Runs a call that holds a descriptor for its duration (a directory sync, a whole-file read). */
  async run<T>(call: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await this.withDescriptors(call);
    } finally {
      this.release();
    }
  }

  /**
   * Runs a call that opens a descriptor, on a slot already taken. When the process is out of
   * descriptors all the same (EMFILE, ENFILE: sockets took more than their share), idle handles
   * are closed one at a time until it succeeds, rather than failing a write while the pool
   * holds descriptors nobody is using.
   */
  async withDescriptors<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        if (code !== 'EMFILE' && code !== 'ENFILE') throw e;
        if (await this.evictOne()) continue;
        // Slots whose calls are running will free a descriptor; with none, waiting would be forever.
        if (this.held - this.starved <= 1) throw e;
        this.starved++;
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        this.starved--;
      }
    }
  }

  private async evictOne(): Promise<boolean> {
    const victim = this.idle.values().next().value;
    if (victim === undefined) return false;
    this.idle.delete(victim);
    await victim.evict();
    return true;
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }
}

type CallKind = 'read' | 'write' | 'sync';

function closedError(path: string): Error {
  return Object.assign(new Error(`EBADF: file handle closed, '${path}'`), { code: 'EBADF' });
}

export class PooledHandle implements FileHandle {
  /** Calls in progress; the handle is idle (and may be evicted) at zero. */
  private active = 0;
  private drained: Array<() => void> = [];
  private opening: Promise<void> | undefined;
  private evicting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Writes (and truncates) started, those in progress, and how many of them a datasync covered. */
  private writes = 0;
  private writing = 0;
  private synced = 0;
  /** A failed datasync or close at eviction, owed to the caller. */
  private lostWrites: { error: unknown; told: boolean } | undefined;

  constructor(
    private readonly pool: HandlePool,
    private readonly fs: FileSystem,
    readonly path: string,
    private readonly mode: 'read' | 'write',
    private fd: FileHandle | undefined,
  ) {}

  write(data: Uint8Array, position: number): Promise<void> {
    return this.call('write', (fd) => fd.write(data, position));
  }

  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.call('read', (fd) => fd.read(into, offset, length, position));
  }

  datasync(): Promise<void> {
    return this.call('sync', (fd) => fd.datasync());
  }

  truncate(length: number): Promise<void> {
    return this.call('write', (fd) => fd.truncate(length));
  }

  size(): Promise<number> {
    return this.call('read', (fd) => fd.size());
  }

  /** Waits for the calls in progress, then closes; an eviction error nobody was told of is thrown here. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Closes the descriptor of an idle handle for the pool, datasyncing unsynced writes first. */
  evict(): Promise<void> {
    const fd = this.fd as FileHandle;
    this.evicting = (async () => {
      try {
        if (this.writes !== this.synced) {
          await fd.datasync();
          this.synced = this.writes;
        }
      } catch (error) {
        this.lostWrites = { error, told: false };
      }
      try {
        await fd.close();
      } catch (error) {
        this.lostWrites ??= { error, told: false };
      } finally {
        this.fd = undefined;
        this.evicting = undefined;
        this.pool.release();
      }
    })();
    return this.evicting;
  }

  private async call<T>(kind: CallKind, op: (fd: FileHandle) => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw closedError(this.path);
    this.active++;
    this.pool.markBusy(this);
    try {
      const fd = await this.ready();
      this.owe(kind);
      if (kind === 'write') {
        this.writes++;
        this.writing++;
      }
      // A write still in progress when the datasync starts may not be covered by it.
      const covered = this.writing === 0 ? this.writes : this.synced;
      try {
        const result = await op(fd);
        if (kind === 'sync') this.synced = Math.max(this.synced, covered);
        return result;
      } finally {
        if (kind === 'write') this.writing--;
      }
    } finally {
      this.active--;
      if (this.active === 0) {
        if (this.fd !== undefined && this.closing === undefined) this.pool.markIdle(this);
        for (const resolve of this.drained.splice(0)) resolve();
      }
    }
  }

  /** The descriptor, reopened if the pool closed it. */
  private async ready(): Promise<FileHandle> {
    for (;;) {
      if (this.evicting !== undefined) await this.evicting;
      else if (this.fd !== undefined) return this.fd;
      else {
        this.opening ??= this.reopen().finally(() => {
          this.opening = undefined;
        });
        await this.opening;
      }
    }
  }

  private async reopen(): Promise<void> {
    await this.pool.acquire();
    try {
      this.fd = await this.pool.withDescriptors(() => this.fs.open(this.path, this.mode));
    } catch (e) {
      this.pool.release();
      throw e;
    }
  }

  /** Throws the eviction's error if this call is owed it: the next call, and the next datasync. */
  private owe(kind: CallKind): void {
    const lost = this.lostWrites;
    if (lost === undefined) return;
    if (kind === 'sync') this.lostWrites = undefined;
    else if (lost.told) return;
    else lost.told = true;
    throw lost.error;
  }

  private async shutdown(): Promise<void> {
    while (this.active > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    if (this.evicting !== undefined) await this.evicting;
    this.pool.markBusy(this);
    const fd = this.fd;
    this.fd = undefined;
    let error = this.lostWrites?.told === false ? this.lostWrites.error : undefined;
    if (fd !== undefined) {
      try {
        await fd.close();
      } catch (e) {
        error ??= e;
      } finally {
        this.pool.release();
      }
    }
    if (error !== undefined) throw error;
  }
}
