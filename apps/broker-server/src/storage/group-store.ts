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
import type { Metrics } from '../metrics.js';
import { ioError, StorageError } from './errors.js';
import type { FileHandle, FileSystem } from './fs/types.js';
import { writeFileDurably } from './fs/write-file.js';
import { GroupCommitWriter } from './group-commit.js';
import { encodeCheckpoint, encodeOps, opBytes } from './group-journal.js';
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
  metrics?: Metrics;
}

export const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;

export class FileGroupStore implements GroupStore {
  private readonly writer: GroupCommitWriter<GroupOp[], void, void>;
  /** The state as of the end of the journal being written, once it is to be sealed. */
  private snapshot: Uint8Array | undefined;
  private checkpointing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

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
    this.writer = new GroupCommitWriter(
      {
        name: `group ${name}`,
        kind: 'group',
        metrics: options.metrics,
        durability: options.durability,
        flushIntervalMs: options.flushIntervalMs,
        maxPendingBytes: options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
        now: options.now ?? Date.now,
        failed: (error) => new StorageError('STORAGE_FAILED', error.message, { cause: error }),
        // Deliveries are written while settlements wait for the disk. [CONS-6]
        overlapSync: true,
      },
      {
        write: (batch) => this.write(batch),
        sync: () => this.journal.datasync(),
        acknowledge: (batch) => batch.map(() => undefined),
        afterFlush: () => this.sealIfDue(),
      },
    );
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

  async apply(ops: GroupOp[], lazy = false): Promise<void> {
    if (this.closing) throw new StorageError('SHUTTING_DOWN', `group ${this.name} is closed`);
    const failed = this.writer.failure;
    if (failed) {
      throw new StorageError('STORAGE_FAILED', `group ${this.name} failed earlier`, {
        cause: failed,
      });
    }
    validateOps(ops);
    let bytes = 0;
    for (const op of ops) bytes += opBytes(op);
    const refused = this.writer.refusal(bytes);
    if (refused) throw refused;
    for (const op of ops) this.groupState.apply(op);
    if (ops.length === 0) return;
    return this.writer.submit(ops, bytes, lazy);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    let error: unknown;
    try {
      await this.writer.close();
    } catch (e) {
      error = e;
    }
    await this.checkpointing;
    try {
      await this.journal.close();
    } catch (e) {
      error ??= ioError(`group ${this.name}: closing the journal`, e);
    }
    if (error) throw error;
  }

  /** Journals one flush's ops as one record; decides, before any await, whether to seal the journal. */
  private async write(batch: readonly GroupOp[][]): Promise<void> {
    // Every applied op is in this flush or written before it (the writer takes all that is
    // queued), so the state now is exactly what ends this journal.
    const snapshot =
      !this.checkpointing && this.journalBytes >= this.options.compactAfterBytes
        ? encodeCheckpoint(this.seq + 1, this.groupState)
        : undefined;
    // A loop rather than flat(), which is several times slower on this hot path.
    const ops: GroupOp[] = [];
    for (const applied of batch) for (const op of applied) ops.push(op);
    const record = encodeOps(ops);
    try {
      await this.journal.write(record, this.journalBytes);
    } catch (e) {
      const error = ioError(`group ${this.name}: journal write`, e);
      try {
        // A partial record would hide every later one from recovery.
        await this.journal.truncate(this.journalBytes);
      } catch {
        this.writer.fail(error);
      }
      throw error;
    }
    this.journalBytes += record.length;
    if (snapshot) {
      this.snapshot = snapshot;
      // The sealed journal must be whole after a crash, whatever the durability.
      this.writer.requestSync();
    }
  }

  private async sealIfDue(): Promise<void> {
    const snapshot = this.snapshot;
    this.snapshot = undefined;
    if (snapshot) await this.startJournal(snapshot);
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
      this.writer.fail(ioError(`group ${this.name}: starting journal ${seq}`, e));
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
