/**
 * A consumer group's durable state: ops are applied in memory at once, then
 * journaled with group commit; the journal is compacted into a checkpoint.
 *
 * Files in the group's directory: `journal-<seq>.log` (CRC-framed records,
 * see group-journal.ts) and `checkpoint` (the state as of the start of
 * journal `seq`). Recovery loads the checkpoint, replays the journals from its
 * seq on, and truncates a torn tail of the last one.
 */
import { dirname, join } from 'node:path';
import { ioError, StorageError } from './errors.js';
import type { FileHandle, FileSystem } from './fs/types.js';
import { writeFileDurably } from './fs/write-file.js';
import {
  encodeCheckpoint,
  encodeOps,
  type OpTuple,
  opToTuple,
  tupleBytes,
} from './group-journal.js';
import { journalName, recoverGroup } from './group-recovery.js';
import { GroupState, validateOps } from './group-state.js';
import type { DiskDurability, GroupOp, GroupPartitionState, GroupStore } from './types.js';

export interface GroupStoreOptions {
  durability: DiskDurability;
  /** With durability 'interval': the longest time between fdatasyncs. */
  flushIntervalMs: number;
  /** Start a new journal, after a checkpoint, once the current one is this large. */
  compactAfterBytes: number;
  /** Clock for the interval durability (ms). */
  now?: () => number;
  /** Bound on the bytes of ops not yet written; apply beyond it fails with OVERLOADED. */
  maxPendingBytes?: number;
}

export const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Batch {
  tuples: OpTuple[];
  bytes: number;
  waiters: Waiter[];
}

const emptyBatch = (): Batch => ({ tuples: [], bytes: 0, waiters: [] });

export class FileGroupStore implements GroupStore {
  private pending = emptyBatch();
  /** The batch being written: still waiting for the disk. */
  private inflight: Batch | undefined;
  /** The flush loop; at most one runs. */
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private checkpointing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private syncRequested = false;
  /** Written to the journal and not datasynced. */
  private dirty = false;
  private lastSyncAt: number;
  private failed: StorageError | undefined;
  private closing: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly maxPendingBytes: number;

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    readonly name: string,
    private readonly options: GroupStoreOptions,
    private readonly groupState: GroupState,
    private journal: FileHandle,
    private seq: number,
    private journalBytes: number,
    /** The oldest journal file that may still exist. */
    private oldestSeq: number,
  ) {
    this.now = options.now ?? Date.now;
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.lastSyncAt = this.now();
  }

  static async open(
    fs: FileSystem,
    dir: string,
    name: string,
    options: GroupStoreOptions,
  ): Promise<FileGroupStore> {
    try {
      await fs.mkdir(dir);
      await fs.syncDir(dirname(dir));
    } catch (e) {
      throw ioError(`group ${name}: creating ${dir}`, e);
    }
    const r = await recoverGroup(fs, dir, name);
    return new FileGroupStore(
      fs,
      dir,
      name,
      options,
      r.state,
      r.journal,
      r.seq,
      r.journalBytes,
      r.oldestSeq,
    );
  }

  state(partition: number): GroupPartitionState | undefined {
    return this.groupState.get(partition);
  }

  async apply(ops: GroupOp[]): Promise<void> {
    if (this.closing) throw new StorageError('SHUTTING_DOWN', `group ${this.name} is closed`);
    if (this.failed) {
      throw new StorageError('STORAGE_FAILED', `group ${this.name} failed earlier`, {
        cause: this.failed,
      });
    }
    validateOps(ops);
    const tuples = ops.map(opToTuple);
    const bytes = tuples.reduce((sum, t) => sum + tupleBytes(t), 0);
    if ((this.inflight?.bytes ?? 0) + this.pending.bytes + bytes > this.maxPendingBytes) {
      throw new StorageError('OVERLOADED', `group ${this.name}: too many ops waiting for the disk`);
    }
    for (const op of ops) this.groupState.apply(op);
    if (tuples.length === 0) return;
    return new Promise((resolve, reject) => {
      for (const t of tuples) this.pending.tuples.push(t);
      this.pending.bytes += bytes;
      this.pending.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    while (this.running) await this.loop;
    clearTimeout(this.timer);
    await this.checkpointing;
    let error: StorageError | undefined;
    if (this.dirty && !this.failed) {
      try {
        await this.journal.datasync();
      } catch (e) {
        error = ioError(`group ${this.name}: datasync on close`, e);
      }
    }
    try {
      await this.journal.close();
    } catch (e) {
      error ??= ioError(`group ${this.name}: closing the journal`, e);
    }
    if (error) throw error;
  }

  private hasWork(): boolean {
    return !this.failed && (this.pending.tuples.length > 0 || this.syncRequested);
  }

  private kick(): void {
    if (this.running || !this.hasWork()) return;
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.hasWork()) await this.step();
    } catch (e) {
      // I/O errors are handled in step(); this is a bug, and nothing may hang on it.
      this.fail(new StorageError('INTERNAL', `group ${this.name}: ${String(e)}`, { cause: e }));
    } finally {
      this.running = false;
    }
  }

  /** One group commit: everything pending goes in one write and at most one datasync. */
  private async step(): Promise<void> {
    const batch = this.pending;
    this.pending = emptyBatch();
    this.inflight = batch;
    const { durability, compactAfterBytes, flushIntervalMs } = this.options;
    // The snapshot is taken while nothing is pending, so it covers exactly what ends this journal.
    const compact =
      batch.tuples.length > 0 && !this.checkpointing && this.journalBytes >= compactAfterBytes;
    const snapshot = compact ? encodeCheckpoint(this.seq + 1, this.groupState) : undefined;
    const sync =
      durability === 'always' ||
      compact || // the journal is sealed: it must be whole after a crash
      (durability === 'interval' &&
        (this.syncRequested || this.now() - this.lastSyncAt >= flushIntervalMs));
    this.syncRequested = false;
    try {
      if (batch.tuples.length > 0) await this.write(batch.tuples);
    } catch (e) {
      this.inflight = undefined;
      for (const w of batch.waiters) w.reject(e);
      return;
    }
    if (durability !== 'always') for (const w of batch.waiters) w.resolve();
    if (sync && this.dirty) {
      try {
        await this.journal.datasync();
      } catch (e) {
        const error = ioError(`group ${this.name}: journal datasync`, e);
        if (durability === 'always') for (const w of batch.waiters) w.reject(error);
        this.fail(error);
        return;
      }
      this.dirty = false;
      this.lastSyncAt = this.now();
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (durability === 'always') for (const w of batch.waiters) w.resolve();
    this.inflight = undefined;
    if (this.dirty && durability === 'interval') this.armTimer();
    if (snapshot) await this.startJournal(snapshot);
  }

  private async write(tuples: OpTuple[]): Promise<void> {
    const record = encodeOps(tuples);
    try {
      await this.journal.write(record, this.journalBytes);
    } catch (e) {
      const error = ioError(`group ${this.name}: journal write`, e);
      try {
        // A partial record would hide every later one from recovery.
        await this.journal.truncate(this.journalBytes);
      } catch {
        this.fail(error);
      }
      throw error;
    }
    this.journalBytes += record.length;
    this.dirty = true;
  }

  private armTimer(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.syncRequested = true;
      this.kick();
    }, this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Seals the current journal (already datasynced) and writes the checkpoint in the background. */
  private async startJournal(snapshot: Uint8Array): Promise<void> {
    const seq = this.seq + 1;
    let next: FileHandle | undefined;
    try {
      next = await this.fs.open(join(this.dir, journalName(seq)), 'create');
      // Nothing in the new journal is acknowledged before its entry is durable.
      await this.fs.syncDir(this.dir);
    } catch (e) {
      await next?.close().catch(() => {});
      this.fail(ioError(`group ${this.name}: starting journal ${seq}`, e));
      return;
    }
    const sealed = this.journal;
    this.journal = next;
    this.seq = seq;
    this.journalBytes = 0;
    await sealed.close().catch(() => {}); // its data is durable already
    this.checkpointing = this.writeCheckpoint(seq, snapshot).finally(() => {
      this.checkpointing = undefined;
    });
  }

  /**
   * A failed checkpoint leaves the journals in place, so nothing is lost and
   * the next compaction tries again; they are deleted only once it is durable.
   */
  private async writeCheckpoint(seq: number, snapshot: Uint8Array): Promise<void> {
    const tmp = join(this.dir, 'checkpoint.tmp');
    try {
      await writeFileDurably(this.fs, tmp, snapshot);
      await this.fs.rename(tmp, join(this.dir, 'checkpoint'));
      await this.fs.syncDir(this.dir);
      for (; this.oldestSeq < seq; this.oldestSeq++) {
        await this.fs.unlink(join(this.dir, journalName(this.oldestSeq)));
      }
    } catch {
      // Recovery deletes a leftover tmp and journals older than the checkpoint.
    }
  }

  private fail(error: StorageError): void {
    this.failed ??= new StorageError('STORAGE_FAILED', error.message, { cause: error });
    clearTimeout(this.timer);
    // Settled promises ignore this: it reaches only those still waiting.
    for (const w of [...(this.inflight?.waiters ?? []), ...this.pending.waiters]) {
      w.reject(this.failed);
    }
    this.inflight = undefined;
    this.pending = emptyBatch();
  }
}

/** The same semantics with nothing on disk, for stations with memory storage. */
export class MemoryGroupStore implements GroupStore {
  private readonly groupState = new GroupState();
  private closed = false;

  constructor(readonly name: string) {}

  state(partition: number): GroupPartitionState | undefined {
    return this.groupState.get(partition);
  }

  async apply(ops: GroupOp[]): Promise<void> {
    if (this.closed) throw new StorageError('SHUTTING_DOWN', `group ${this.name} is closed`);
    validateOps(ops);
    for (const op of ops) this.groupState.apply(op);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
