/**
 * A partition's append-only log on disk: its API over the segment files, with
 * reads that race retention. Appends go through the shared group-commit
 * writer; opening recovers the segments (partition-recovery.ts).
 */

import type { Metrics } from '../metrics.js';
import { type BatchHeader, batchSize, writeBatch } from './batch.js';
import { ioError, StorageError } from './errors.js';
import type { FileSystem } from './fs/types.js';
import { GroupCommitWriter } from './group-commit.js';
import { LogFront } from './log-front.js';
import type { StorageLogger } from './logger.js';
import { recoverSegments } from './partition-recovery.js';
import { recentWrites } from './recent-writes.js';
import {
  createSegment,
  INDEX_AT_CLOSE_BYTES,
  type Segment,
  writeIndex,
  writeMsgIds,
} from './segment.js';
import { readRecords, seekTimestamp } from './segment-reader.js';
import type {
  AppendRecord,
  AppendResult,
  PartitionBounds,
  PartitionLog,
  PartitionLogOptions,
  ReadOptions,
  RetentionPolicy,
  StoredRecord,
} from './types.js';
import { writeBuffers } from './write-buffers.js';

/** One flush writes at most this much (plus one oversized append), bounding latency and memory. */
const MAX_FLUSH_BYTES = 16 * 1024 * 1024;

interface PendingAppend {
  records: readonly AppendRecord[];
  size: number;
  retention: RetentionPolicy | undefined;
}

/** Where one flush's batches went, for acknowledging them. */
interface Flushed {
  segment: Segment;
  start: number;
  /** The bytes written: the start of `slab`, which goes back to the write buffers once acknowledged. */
  buf: Uint8Array;
  slab: Uint8Array;
  headers: BatchHeader[];
  timestamp: number;
}

export interface PartitionLogContext {
  fs: FileSystem;
  /** The partition's own directory. */
  dir: string;
  partition: number;
  options: PartitionLogOptions;
  log: StorageLogger;
  now: () => number;
  metrics?: Metrics;
}

export class FilePartitionLog implements PartitionLog {
  readonly partition: number;
  private readonly segments: Segment[];
  private readonly writer: GroupCommitWriter<PendingAppend, AppendResult, Flushed>;
  private lastTimestamp = 0;
  /** Work on sealed segments, in order: writing their msgIds, deleting them. Close waits for it. */
  private background: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly ctx: PartitionLogContext,
    segments: Segment[],
    private readonly front: LogFront,
  ) {
    this.partition = ctx.partition;
    this.segments = segments;
    this.lastTimestamp = Math.max(0, ...segments.map((s) => s.lastTimestamp));
    const { durability, flushIntervalMs, maxPendingBytes } = ctx.options;
    this.writer = new GroupCommitWriter(
      {
        name: `partition ${ctx.partition}`,
        kind: 'partition',
        metrics: ctx.metrics,
        durability,
        flushIntervalMs,
        maxPendingBytes,
        maxFlushBytes: MAX_FLUSH_BYTES,
        now: ctx.now,
        failed: (error) => {
          ctx.log.error(
            { partition: ctx.partition, err: error.cause ?? error },
            'partition log failed; writes are refused',
          );
          return error;
        },
      },
      {
        write: (batch) => this.write(batch),
        sync: () => this.active().handle.datasync(),
        acknowledge: (batch, flushed) => this.acknowledge(batch, flushed),
      },
    );
  }

  static async open(ctx: PartitionLogContext): Promise<FilePartitionLog> {
    const segments = await recoverSegments(ctx);
    const front = await LogFront.load(
      { fs: ctx.fs, dir: ctx.dir, partition: ctx.partition, log: ctx.log },
      segments,
    );
    return new FilePartitionLog(ctx, segments, front);
  }

  bounds(): PartitionBounds {
    const active = this.segments[this.segments.length - 1] as Segment;
    return { first: this.front.first, next: active.nextOffset, bytes: this.front.bytes() };
  }

  append(records: readonly AppendRecord[], retention?: RetentionPolicy): Promise<AppendResult> {
    let size: number;
    try {
      if (records.length === 0)
        throw new StorageError('INVALID_FIELD', 'an append needs at least one record');
      size = batchSize(records);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.writer.submit({ records, size, retention }, size);
  }

  async read(offset: number, options: ReadOptions): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    let bytes = 0;
    let at = Math.max(offset, this.bounds().first);
    while (out.length < options.maxRecords && bytes < options.maxBytes && at < this.bounds().next) {
      const segment = this.segmentFor(at);
      // Good records before a corrupt segment are still served; the error comes on the next read.
      if (segment.corrupt !== undefined) {
        if (out.length > 0) break;
        throw this.corruptError(segment);
      }
      const before = out.length;
      try {
        bytes = await readRecords(segment, at, out, options.maxRecords, options.maxBytes, bytes);
      } catch (e) {
        // Retention may delete a segment under a read; the read goes on from what is left.
        if (!this.segments.includes(segment)) {
          at = Math.max(at, this.bounds().first);
          continue;
        }
        if (!(e instanceof StorageError && e.code === 'STORAGE_FAILED')) throw e;
        this.quarantine(segment, e.message);
        if (out.length > 0) break;
        throw e;
      }
      if (out.length === before) {
        throw new StorageError(
          'INTERNAL',
          `partition ${this.partition}: no record found at offset ${at}`,
        );
      }
      at = (out[out.length - 1] as StoredRecord).offset + 1;
    }
    return out;
  }

  async offsetForTimestamp(timestamp: number): Promise<number> {
    for (const segment of this.segments) {
      if (segment.records === 0 || segment.lastTimestamp < timestamp) continue;
      if (segment.nextOffset <= this.front.first) continue;
      if (segment.corrupt !== undefined) throw this.corruptError(segment);
      return Math.max(this.bounds().first, await seekTimestamp(segment, timestamp));
    }
    return this.bounds().next;
  }

  /** Moves the first offset as the policy says [LIMITS-8], deletes the segments wholly below it and writes it. */
  async applyRetention(
    policy: RetentionPolicy,
    now: number,
    deleteBelow?: number,
  ): Promise<number> {
    const dropped = await this.front.retain(policy, now, deleteBelow);
    this.deleteBelowFirst();
    await this.background;
    await this.front.persist();
    return dropped;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.writer.close();
    await this.background;
    await this.front
      .persist()
      .catch((err: unknown) =>
        this.ctx.log.error({ partition: this.partition, err }, 'the first offset was not written'),
      );
    const active = this.active();
    // With the index current, the next start need not scan a large segment; a small one is quicker scanned.
    const indexed = active.size < INDEX_AT_CLOSE_BYTES || active.indexedSize === active.size;
    if (this.writer.failure === undefined && active.corrupt === undefined && !indexed)
      await writeIndex(this.ctx.fs, active, 'cached').catch(() => undefined);
    for (const segment of this.segments) recentWrites.forget(segment);
    await Promise.all(this.segments.map((s) => s.handle.close()));
  }

  private segmentFor(offset: number): Segment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.segments[mid] as Segment).baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo] as Segment;
  }

  /** Encodes a flush's appends as consecutive batches and writes them at the active segment's end. */
  private async write(batch: readonly PendingAppend[]): Promise<Flushed> {
    let segment: Segment;
    try {
      segment = await this.rollIfDue();
    } catch (e) {
      throw e instanceof StorageError
        ? e
        : ioError(`partition ${this.partition}: rolling a segment`, e);
    }
    const timestamp = Math.max(this.ctx.now(), this.lastTimestamp);
    const size = batch.reduce((sum, p) => sum + p.size, 0);
    const slab = writeBuffers.take(size);
    const buf = slab.subarray(0, size);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const start = segment.size;
    const headers: BatchHeader[] = [];
    let offset = segment.nextOffset;
    let pos = 0;
    for (const p of batch) {
      pos = writeBatch(buf, view, pos, p.size, offset, timestamp, p.records);
      headers.push({ size: p.size, baseOffset: offset, timestamp, count: p.records.length });
      offset += p.records.length;
    }
    try {
      await segment.handle.write(buf, start);
    } catch (e) {
      await this.undoWrite(segment, start);
      throw e;
    }
    return { segment, start, buf, slab, headers, timestamp };
  }

  /** Makes a written (and, as configured, synced) flush readable, and retains on append. */
  private async acknowledge(
    batch: readonly PendingAppend[],
    { segment, start, buf, slab, headers, timestamp }: Flushed,
  ): Promise<AppendResult[]> {
    let position = start;
    for (const header of headers) {
      segment.noteBatch(position, header);
      position += header.size;
    }
    this.lastTimestamp = timestamp;
    this.front.written(segment, buf, start);
    recentWrites.remember(segment, start, (headers[0] as BatchHeader).baseOffset, buf);
    // Nothing reads the bytes any more (a failed flush keeps its buffer: it is simply dropped).
    writeBuffers.give(slab);
    await this.retainOnAppend(batch);
    const { durability } = this.ctx.options;
    return headers.map((h) => ({ baseOffset: h.baseOffset, timestamp, durability }));
  }

  /** Removes a failed write's bytes, so that the next batch follows the last good one. */
  private async undoWrite(segment: Segment, size: number): Promise<void> {
    try {
      await segment.handle.truncate(size);
    } catch (e) {
      this.writer.fail(ioError(`partition ${this.partition}: truncating a failed write`, e));
    }
  }

  private active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  private async rollIfDue(): Promise<Segment> {
    const active = this.active();
    const { segmentBytes, segmentMs } = this.ctx.options;
    const due =
      active.size >= segmentBytes ||
      (active.records > 0 && this.ctx.now() - active.firstTimestamp >= segmentMs);
    if (!due) return active;
    await this.writer.syncWritten();
    await writeIndex(this.ctx.fs, active);
    recentWrites.forget(active);
    const next = await createSegment(this.ctx.fs, this.ctx.dir, active.nextOffset);
    this.segments.push(next);
    this.background = this.background.then(() =>
      writeMsgIds(this.ctx.fs, active).catch((err: unknown) =>
        this.ctx.log.warn(
          { partition: this.partition, segment: active.logPath, err },
          'the msgIds of a sealed segment were not written; the next start reads them from it',
        ),
      ),
    );
    return next;
  }

  /**
   * Count and bytes retention as part of the append [LIMITS-8]: its promise resolves with the
   * first offset already moved. A failure here fails no append: the retention check retries.
   */
  private async retainOnAppend(batch: readonly PendingAppend[]): Promise<void> {
    const retention = batch[batch.length - 1]?.retention;
    if (retention?.maxMessages === undefined && retention?.maxBytes === undefined) return;
    try {
      const { maxMessages, maxBytes } = retention;
      if ((await this.front.retain({ maxMessages, maxBytes }, undefined)) > 0)
        this.deleteBelowFirst();
    } catch (err) {
      this.ctx.log.error({ partition: this.partition, err }, 'retention on append failed');
    }
  }

  /** Takes the sealed segments wholly below the first offset out of the log, and deletes their files. */
  private deleteBelowFirst(): void {
    this.front.settle();
    const doomed: Segment[] = [];
    while (this.segments.length > 1 && (this.segments[0] as Segment).nextOffset <= this.front.first)
      doomed.push(this.segments.shift() as Segment);
    if (doomed.length === 0) return;
    this.background = this.background.then(async () => {
      try {
        for (const segment of doomed) await this.deleteSegment(segment);
        await this.ctx.fs.syncDir(this.ctx.dir);
      } catch (err) {
        // Left on disk below the first offset: the next start finds them, its first retention check deletes them.
        this.ctx.log.error(
          { partition: this.partition, err },
          'deleting retained-out segments failed',
        );
      }
    });
  }

  private async deleteSegment(segment: Segment): Promise<void> {
    recentWrites.forget(segment);
    await segment.handle.close();
    await this.ctx.fs.unlink(segment.logPath);
    await this.ctx.fs.unlink(segment.indexPath).catch(() => undefined);
  }

  private quarantine(segment: Segment, reason: string): void {
    if (segment.corrupt !== undefined) return;
    segment.corrupt = reason;
    this.ctx.log.error(
      { partition: this.partition, segment: segment.logPath, problem: reason },
      'corrupt segment quarantined: its records are not served',
    );
  }

  private corruptError(segment: Segment): StorageError {
    return new StorageError(
      'STORAGE_FAILED',
      `partition ${this.partition}: offsets ${segment.baseOffset}..${segment.nextOffset - 1} are in a corrupt segment (${segment.corrupt})`,
    );
  }
}
