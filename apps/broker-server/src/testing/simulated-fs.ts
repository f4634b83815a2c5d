/**
 * An in-memory `FileSystem` that simulates power loss and injects faults, for
 * fault tests of the storage engine (the broker's own and other packages').
 *
 * Every file (inode) has a volatile content (the page cache: what reads see)
 * and a durable content (what survives `crash`); `datasync` copies the first
 * to the second. Every directory likewise has volatile and durable entries
 * (name -> inode); `syncDir` copies the first to the second. Simplifications:
 * directories themselves (`mkdir`, `rmdir`, renaming one) are durable at once, and an
 * unsynced overwrite inside the durable length is always lost in a crash
 * (only bytes beyond the durable length may partly reach the disk).
 */
import { posix } from 'node:path';
import type { FileHandle, FileSystem, OpenMode } from '../storage/fs/types.js';

/** An `Error` with a Node-style `code` ('ENOENT', 'EIO', ...). */
export type FsError = Error & { code: string };

function fsError(code: string, syscall: string, path: string): FsError {
  return Object.assign(new Error(`${code}: simulated failure, ${syscall} '${path}'`), { code });
}

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The most garbage a torn write leaves: one sector. */
const SECTOR = 512;

/** A growable byte array, so that appending to a file is amortised O(1). */
class Bytes {
  private buf: Uint8Array;
  length: number;

  constructor(init: Uint8Array = new Uint8Array(0)) {
    this.buf = init.slice();
    this.length = init.length;
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Shrinks, or grows with zeros. */
  resize(length: number): void {
    if (length > this.buf.length) {
      const grown = new Uint8Array(Math.max(length, this.buf.length * 2));
      grown.set(this.view());
      this.buf = grown;
    } else if (length > this.length) {
      // The buffer may still hold bytes from before a shrink.
      this.buf.fill(0, this.length, length);
    }
    this.length = length;
  }

  setAt(data: Uint8Array, position: number): void {
    this.resize(Math.max(this.length, position + data.length));
    this.buf.set(data, position);
  }
}

class Inode {
  volatile = new Bytes();
  durable = new Bytes();
  /**
   * volatile[0, dirtyFrom) equals durable[0, dirtyFrom), and dirtyFrom is at most
   * both lengths: datasync copies only the rest.
   */
  private dirtyFrom = 0;

  write(data: Uint8Array, position: number): void {
    if (data.length === 0) return; // like pwrite: an empty write does not extend the file
    this.dirtyFrom = Math.min(this.dirtyFrom, position);
    this.volatile.setAt(data, position);
  }

  truncate(length: number): void {
    this.dirtyFrom = Math.min(this.dirtyFrom, length);
    this.volatile.resize(length);
  }

  sync(): void {
    this.durable.resize(this.volatile.length);
    this.durable.setAt(this.volatile.view().subarray(this.dirtyFrom), this.dirtyFrom);
    this.dirtyFrom = this.volatile.length;
  }

  /** Power loss: the durable content, plus maybe a torn prefix of the unsynced tail. */
  recover(rng: () => number): void {
    const durable = this.durable.view();
    const tail = this.volatile.view().subarray(durable.length);
    let kept = new Uint8Array(0);
    if (tail.length > 0 && rng() < 0.5) {
      kept = tail.slice(0, Math.floor(rng() * (tail.length + 1)));
      if (kept.length > 0 && rng() < 0.25) {
        const garbage = 1 + Math.floor(rng() * Math.min(kept.length, SECTOR));
        for (let i = kept.length - garbage; i < kept.length; i++) {
          kept[i] = Math.floor(rng() * 256);
        }
      }
    }
    const content = new Uint8Array(durable.length + kept.length);
    content.set(durable);
    content.set(kept, durable.length);
    this.volatile = new Bytes(content);
    this.durable = new Bytes(content);
    this.dirtyFrom = content.length;
  }
}

interface Dir {
  entries: Map<string, Inode>;
  durable: Map<string, Inode>;
}

type FaultOp = 'write' | 'datasync' | 'syncDir';

/** Paths are opaque keys once normalised ('a/./b/' and 'a/b' are the same). */
function normalize(path: string): string {
  const p = posix.normalize(path);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function isWithin(path: string, dir: string): boolean {
  if (path === dir) return true;
  if (dir === '.') return !path.startsWith('/');
  return path.startsWith(dir === '/' ? dir : `${dir}/`);
}

const tick = (): Promise<void> => Promise.resolve();

export class SimulatedFs implements FileSystem {
  /** Writes and datasyncs attempted on live handles, failed ones included. Tests may reset them. */
  writeCount = 0;
  datasyncCount = 0;

  private readonly dirs = new Map<string, Dir>();
  private readonly faults = new Map<FaultOp, string>();
  private writeQuota: number | undefined;
  /** Bumped by `crash`: handles opened before it are dead. */
  private epoch = 0;

  /**
   * Writes may write `bytes` more bytes (overwrites count too); the one that crosses the
   * quota is cut short and rejects ENOSPC, as does every later one. `undefined` lifts it.
   */
  failWritesAfter(bytes: number | undefined): void {
    this.writeQuota = bytes;
  }

  /** The next write on any handle rejects and writes nothing. */
  failNextWrite(code = 'EIO'): void {
    this.faults.set('write', code);
  }

  /** The next datasync on any handle rejects and makes nothing durable. */
  failNextDatasync(code = 'EIO'): void {
    this.faults.set('datasync', code);
  }

  /** The next syncDir rejects and makes no entry durable. */
  failNextSyncDir(code = 'EIO'): void {
    this.faults.set('syncDir', code);
  }

  /**
   * Power loss and reboot: every directory gets back its durable entries and
   * every file reachable from them its durable content, maybe with a torn tail
   * (see `Inode.recover`). Handles opened before the crash are dead (EBADF).
   */
  crash(rng: () => number): void {
    this.epoch++;
    const survivors = new Set<Inode>();
    for (const dir of this.dirs.values()) {
      dir.entries = new Map(dir.durable);
      for (const inode of dir.durable.values()) survivors.add(inode);
    }
    for (const inode of survivors) inode.recover(rng);
  }

  /** The content reads see now, or undefined when there is no such file. */
  snapshot(path: string): Uint8Array | undefined {
    return this.lookup(path)?.volatile.view().slice();
  }

  /** What the file would hold after a crash, not counting a torn tail. */
  durableSnapshot(path: string): Uint8Array | undefined {
    const p = normalize(path);
    return this.dirs.get(posix.dirname(p))?.durable.get(posix.basename(p))?.durable.view().slice();
  }

  /** Bit rot: XORs the byte at `position` with `xorMask` in both the volatile and the durable content. */
  corrupt(path: string, position: number, xorMask: number): void {
    const inode = this.lookup(path);
    if (inode === undefined) throw fsError('ENOENT', 'corrupt', path);
    const copies = [inode.volatile.view(), inode.durable.view()].filter((c) => position < c.length);
    if (copies.length === 0) throw new RangeError(`corrupt: ${path} has no byte ${position}`);
    for (const copy of copies) copy[position] = (copy[position] as number) ^ xorMask;
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    const { dir, name } = this.parent(path, 'open');
    if (this.dirs.has(normalize(path))) throw fsError('EISDIR', 'open', path);
    let inode = dir.entries.get(name);
    if (inode !== undefined && mode === 'create') throw fsError('EEXIST', 'open', path);
    if (inode === undefined) {
      if (mode === 'read') throw fsError('ENOENT', 'open', path);
      inode = new Inode();
      dir.entries.set(name, inode);
    }
    return this.handle(inode, mode !== 'read', path);
  }

  async mkdir(path: string): Promise<void> {
    for (let p = normalize(path); !this.dirs.has(p); p = posix.dirname(p)) {
      if (this.lookup(p) !== undefined) throw fsError('EEXIST', 'mkdir', p);
      this.dirs.set(p, { entries: new Map(), durable: new Map() });
      if (posix.dirname(p) === p) break; // the root
    }
  }

  async readdir(path: string): Promise<string[]> {
    const p = normalize(path);
    const dir = this.dirs.get(p);
    if (dir === undefined) return [];
    const subdirs = [...this.dirs.keys()].filter((d) => d !== p && posix.dirname(d) === p);
    return [...dir.entries.keys(), ...subdirs.map((d) => posix.basename(d))].sort();
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.dirs.has(normalize(from))) return this.renameDir(normalize(from), normalize(to));
    const src = this.parent(from, 'rename');
    const dst = this.parent(to, 'rename');
    const inode = src.dir.entries.get(src.name);
    if (inode === undefined) throw fsError('ENOENT', 'rename', from);
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, inode);
  }

  async unlink(path: string): Promise<void> {
    const { dir, name } = this.parent(path, 'unlink');
    if (!dir.entries.delete(name)) throw fsError('ENOENT', 'unlink', path);
  }

  async rmdir(path: string): Promise<void> {
    const p = normalize(path);
    for (const d of [...this.dirs.keys()]) if (isWithin(d, p)) this.dirs.delete(d);
  }

  async syncDir(path: string): Promise<void> {
    const dir = this.dirs.get(normalize(path));
    if (dir === undefined) throw fsError('ENOENT', 'fsync', path);
    this.takeFault('syncDir', path);
    dir.durable = new Map(dir.entries);
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    return this.snapshot(path);
  }

  /** As rename(2): onto nothing or an empty directory, with everything below moving along. */
  private renameDir(from: string, to: string): void {
    this.parent(to, 'rename');
    if (this.lookup(to) !== undefined) throw fsError('ENOTDIR', 'rename', to);
    if (isWithin(to, from)) throw fsError('EINVAL', 'rename', to);
    const target = this.dirs.get(to);
    if (target !== undefined && (target.entries.size > 0 || this.hasSubdirs(to)))
      throw fsError('ENOTEMPTY', 'rename', to);
    for (const [path, dir] of [...this.dirs]) {
      if (!isWithin(path, from)) continue;
      this.dirs.delete(path);
      this.dirs.set(to + path.slice(from.length), dir);
    }
  }

  private hasSubdirs(path: string): boolean {
    for (const d of this.dirs.keys()) if (d !== path && posix.dirname(d) === path) return true;
    return false;
  }

  private lookup(path: string): Inode | undefined {
    const p = normalize(path);
    return this.dirs.get(posix.dirname(p))?.entries.get(posix.basename(p));
  }

  private parent(path: string, syscall: string): { dir: Dir; name: string } {
    const p = normalize(path);
    const dir = this.dirs.get(posix.dirname(p));
    if (dir === undefined) throw fsError('ENOENT', syscall, path);
    return { dir, name: posix.basename(p) };
  }

  private takeFault(op: FaultOp, path: string): void {
    const code = this.faults.get(op);
    if (code === undefined) return;
    this.faults.delete(op);
    throw fsError(code, op, path);
  }

  private handle(inode: Inode, writable: boolean, path: string): FileHandle {
    const epoch = this.epoch;
    let closed = false;
    const live = (syscall: string): void => {
      if (closed || epoch !== this.epoch) throw fsError('EBADF', syscall, path);
    };
    return {
      write: async (data, position) => {
        await tick(); // let concurrent callers interleave, as real I/O does
        live('write');
        if (!writable) throw fsError('EBADF', 'write', path);
        this.writeCount++;
        this.takeFault('write', path);
        const quota = this.writeQuota;
        if (quota !== undefined && (quota === 0 || data.length > quota)) {
          inode.write(data.subarray(0, quota), position);
          this.writeQuota = 0;
          throw fsError('ENOSPC', 'write', path);
        }
        if (quota !== undefined) this.writeQuota = quota - data.length;
        inode.write(data, position);
      },
      read: async (into, offset, length, position) => {
        live('read');
        const bytes = inode.volatile.view().subarray(position, position + length);
        into.set(bytes, offset);
        return bytes.length;
      },
      datasync: async () => {
        await tick();
        live('fdatasync');
        this.datasyncCount++;
        this.takeFault('datasync', path);
        inode.sync();
      },
      truncate: async (length) => {
        live('ftruncate');
        if (!writable) throw fsError('EINVAL', 'ftruncate', path); // as Linux for a read-only fd
        inode.truncate(length);
      },
      size: async () => {
        live('fstat');
        return inode.volatile.length;
      },
      close: async () => {
        if (closed) return; // as Node: closing twice is a no-op
        live('close');
        closed = true;
      },
    };
  }
}
