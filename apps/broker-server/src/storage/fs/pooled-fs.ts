/**
 * A filesystem whose open files come from a bounded pool [LIMITS-3]: handles
 * are pooled (see handle-pool.ts), and the calls that hold a descriptor while
 * they run (a directory sync, a whole-file read, a listing, a tree removal)
 * take a slot of the same pool, so the engine never holds more than
 * `capacity` descriptors however many partitions and groups it has.
 */
import { HandlePool } from './handle-pool.js';
import type { FileHandle, FileSystem, OpenMode } from './types.js';

export class PooledFileSystem implements FileSystem {
  readonly pool: HandlePool;

  constructor(
    private readonly inner: FileSystem,
    capacity: number,
  ) {
    this.pool = new HandlePool(capacity);
  }

  open(path: string, mode: OpenMode): Promise<FileHandle> {
    return this.pool.open(this.inner, path, mode);
  }

  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }

  readdir(path: string): Promise<string[]> {
    return this.pool.run(() => this.inner.readdir(path));
  }

  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }

  unlink(path: string): Promise<void> {
    return this.inner.unlink(path);
  }

  rmdir(path: string): Promise<void> {
    return this.pool.run(() => this.inner.rmdir(path));
  }

  syncDir(path: string): Promise<void> {
    return this.pool.run(() => this.inner.syncDir(path));
  }

  readFile(path: string): Promise<Uint8Array | undefined> {
    return this.pool.run(() => this.inner.readFile(path));
  }
}
