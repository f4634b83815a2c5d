/**
 * A partition's append-only log on disk: segment files, group commit, and
 * recovery that trusts only what passed its CRC.
 */
import { join } from 'node:path';
import { type BatchHeader, batchSize, writeBatch } from './batch.js';
import { ioError, StorageError } from './errors.js';
import type { FileSystem } from './fs/types.js';
import { writeFileDurably } from './fs/write-file.js';
import { LogFront } from './log-front.js';
import type { StorageLogger } from './logger.js';
import {
  INDEX_AT_CLOSE_BYTES,
  loadIndexFile,
  Segment,
  scanSegment,
  segmentName,
  writeIndex,
} from './segment.js';
import { holdsLaterBatch, readRecords, seekTimestamp } from './segment-reader.js';
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

/** One flush writes at most this much (plus one oversized append), bounding latency and memory. */
const MAX_FLUSH_BYTES = 16 * 1024 * 1024;
/** Recovery keeps (and looks for valid batches in) at most this much of a cut tail. */
const MAX_KEPT_TAIL_BYTES = 64 * 1024 * 1024;

interface PendingAppend {
  records: AppendRecord[];
  size: number;
  retention: RetentionPolicy | undefined;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
}

export interface PartitionLogContext {
  fs: FileSystem;
  /** The partition's own directory. */
  dir: string;
  partition: number;
  options: PartitionLogOptions;
  log: StorageLogger;
  now: () => number;
}

export class FilePartitionLog implements PartitionLog {
  readonly partition: number;
  private readonly segments: Segment[];
  private queue: PendingAppend[] = [];
  private pendingBytes = 0;
  private loop: Promise<void> | undefined;
  private failure: StorageError | undefined;
  private closed = false;
  private unsynced = false;
  private syncWanted = false;
  private lastTimestamp = 0;
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  /** Segment files retention is deleting, which close waits for. */
  private deleting: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ctx: PartitionLogContext,
    segments: Segment[],
    private readonly front: LogFront,
  ) {
    this.partition = ctx.partition;
    this.segments = segments;
    this.lastTimestamp = Math.max(0, ...segments.map((s) => s.lastTimestamp));
    if (ctx.options.durability === 'interval') {
      this.timer = setInterval(() => this.requestSync(), ctx.options.flushIntervalMs);
      this.timer.unref();
    }
  }

  static async open(ctx: PartitionLogContext): Promise<FilePartitionLog> {
    const { fs, dir, log } = ctx;
    await fs.mkdir(dir);
    const bases = (await fs.readdir(dir))
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
    const segments: Segment[] = [];
    for (const [i, base] of bases.entries()) {
      const active = i === bases.length - 1;
      const segment = await openSegment(fs, dir, base, active ? 'write' : 'read');
      segments.push(segment);
      // The active segment has an index only after a clean close, checked against the file's tail.
      if (await loadIndexFile(fs, segment, active)) continue;
      const scan = await scanSegment(segment);
      if (!active) segment.index.trim();
      if (scan.problem === undefined) continue;
      const where = { partition: ctx.partition, segment: segment.logPath, problem: scan.problem };
      if (!active) {
        segment.corrupt = scan.problem;
        log.error(where, 'corrupt segment quarantined: its records are not served');
        continue;
      }
      // Only the tail written after the last fdatasync can be torn, and none of it was
      // acknowledged. Valid batches beyond the damage would mean bit rot instead, so the cut
      // bytes are kept beside the segment and the cut is reported loudly either way.
      const tail = new Uint8Array(Math.min(scan.fileSize - scan.validEnd, MAX_KEPT_TAIL_BYTES));
      await segment.handle.read(tail, 0, tail.length, scan.validEnd);
      const bitRot = holdsLaterBatch(tail, segment.nextOffset);
      const kept = `${segment.logPath}.torn-${scan.validEnd}`;
      await writeFileDurably(fs, kept, tail);
      const report = { ...where, truncatedBytes: scan.fileSize - scan.validEnd, keptIn: kept };
      if (bitRot) log.error(report, 'segment damaged before valid data: truncated at the damage');
      else log.warn(report, 'torn tail truncated');
      await segment.handle.truncate(scan.validEnd);
      await segment.handle.datasync();
    }
    if (segments.length === 0) segments.push(await createSegment(fs, dir, 0));
    const front = await LogFront.load({ fs, dir, partition: ctx.partition, log }, segments);
    return new FilePartitionLog(ctx, segments, front);
  }

  bounds(): PartitionBounds {
    const active = this.segments[this.segments.length - 1] as Segment;
    return { first: this.front.first, next: active.nextOffset, bytes: this.front.bytes() };
  }

  append(records: AppendRecord[], retention?: RetentionPolicy): Promise<AppendResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed)
      return Promise.reject(new StorageError('SHUTTING_DOWN', 'the partition log is closed'));
    if (records.length === 0)
      return Promise.reject(
        new StorageError('INVALID_FIELD', 'an append needs at least one record'),
      );
    let size: number;
    try {
      size = batchSize(records);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.queue.length > 0 && this.pendingBytes + size > this.ctx.options.maxPendingBytes) {
      return Promise.reject(
        new StorageError(
          'OVERLOADED',
          `partition ${this.partition}: ${this.pendingBytes} bytes already wait for the disk`,
        ),
      );
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ records, size, retention, resolve, reject });
      this.pendingBytes += size;
      this.kick();
    });
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
    await this.deleting;
    await this.front.persist();
    return dropped;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.loop;
    await this.deleting;
    await this.front
      .persist()
      .catch((err: unknown) =>
        this.ctx.log.error({ partition: this.partition, err }, 'the first offset was not written'),
      );
    const active = this.segments[this.segments.length - 1] as Segment;
    if (this.unsynced && this.failure === undefined) await active.handle.datasync();
    // With the index current, the next start need not scan a large segment; a small one is quicker scanned.
    const indexed = active.size < INDEX_AT_CLOSE_BYTES || active.indexedSize === active.size;
    if (this.failure === undefined && active.corrupt === undefined && !indexed)
      await writeIndex(this.ctx.fs, active, 'cached').catch(() => undefined);
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

  private requestSync(): void {
    if (!this.unsynced || this.failure !== undefined) return;
    this.syncWanted = true;
    this.kick();
  }

  private kick(): void {
    if (this.loop !== undefined) return;
    this.loop = this.run()
      // run() handles I/O errors itself; anything else is a bug, which must not leave appends hanging.
      .catch((e: unknown) => {
        this.fail(
          new StorageError('INTERNAL', `partition ${this.partition}: writer failed`, { cause: e }),
        );
      })
      .finally(() => {
        this.loop = undefined;
        // An append that arrived after run() saw an empty queue, but before this callback, waits here.
        if (this.failure === undefined && (this.queue.length > 0 || this.syncWanted)) this.kick();
      });
  }

  /** The single writer: takes everything queued while the previous flush ran, as one write. */
  private async run(): Promise<void> {
    while (this.failure === undefined && (this.queue.length > 0 || this.syncWanted)) {
      if (this.queue.length === 0) {
        this.syncWanted = false;
        this.unsynced = false;
        try {
          await this.active().handle.datasync();
        } catch (e) {
          this.fail(ioError(`partition ${this.partition}: fdatasync`, e));
        }
        continue;
      }
      let take = 0;
      let bytes = 0;
      while (
        take < this.queue.length &&
        (take === 0 || bytes + (this.queue[take] as PendingAppend).size <= MAX_FLUSH_BYTES)
      ) {
        bytes += (this.queue[take] as PendingAppend).size;
        take++;
      }
      const batch = this.queue.splice(0, take);
      try {
        await this.flush(batch, bytes);
      } finally {
        this.pendingBytes -= bytes;
      }
    }
  }

  private async flush(batch: PendingAppend[], bytes: number): Promise<void> {
    const { durability } = this.ctx.options;
    let segment: Segment;
    try {
      segment = await this.rollIfDue();
    } catch (e) {
      const error = ioError(`partition ${this.partition}: rolling a segment`, e);
      for (const p of batch) p.reject(error);
      return;
    }
    const timestamp = Math.max(this.ctx.now(), this.lastTimestamp);
    const buf = new Uint8Array(bytes);
    const view = new DataView(buf.buffer);
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
      const error = ioError(`partition ${this.partition}: write`, e);
      for (const p of batch) p.reject(error);
      await this.undoWrite(segment, start);
      return;
    }
    if (durability === 'always') {
      try {
        await segment.handle.datasync();
      } catch (e) {
        // After a failed fdatasync the page cache can no longer be trusted: never ack again.
        const error = this.fail(ioError(`partition ${this.partition}: fdatasync`, e));
        for (const p of batch) p.reject(error);
        return;
      }
    } else {
      this.unsynced = true;
    }
    let position = start;
    for (const header of headers) {
      segment.noteBatch(position, header);
      position += header.size;
    }
    this.lastTimestamp = timestamp;
    this.front.written(segment, buf, start);
    await this.retainOnAppend(batch);
    batch.forEach((p, i) => {
      p.resolve({ baseOffset: (headers[i] as BatchHeader).baseOffset, timestamp, durability });
    });
  }

  /** Removes a failed write's bytes, so that the next batch follows the last good one. */
  private async undoWrite(segment: Segment, size: number): Promise<void> {
    try {
      await segment.handle.truncate(size);
    } catch (e) {
      this.fail(ioError(`partition ${this.partition}: truncating a failed write`, e));
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
    if (this.unsynced) {
      await active.handle.datasync();
      this.unsynced = false;
    }
    await writeIndex(this.ctx.fs, active);
    const next = await createSegment(this.ctx.fs, this.ctx.dir, active.nextOffset);
    this.segments.push(next);
    return next;
  }

  /**
   * Count and bytes retention as part of the append [LIMITS-8]: its promise resolves with the
   * first offset already moved. A failure here fails no append: the retention check retries.
   */
  private async retainOnAppend(batch: PendingAppend[]): Promise<void> {
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
    this.deleting = this.deleting.then(async () => {
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

  private fail(error: StorageError): StorageError {
    this.failure ??= error;
    this.ctx.log.error(
      { partition: this.partition, err: error.cause ?? error },
      'partition log failed; writes are refused',
    );
    for (const p of this.queue.splice(0)) {
      this.pendingBytes -= p.size;
      p.reject(this.failure);
    }
    return this.failure;
  }
}

async function openSegment(
  fs: FileSystem,
  dir: string,
  base: number,
  mode: 'read' | 'write',
): Promise<Segment> {
  const name = segmentName(base);
  return new Segment(
    base,
    join(dir, `${name}.log`),
    join(dir, `${name}.idx`),
    await fs.open(join(dir, `${name}.log`), mode),
  );
}

/** A new, empty active segment whose directory entry is durable before anything in it is acknowledged. */
async function createSegment(fs: FileSystem, dir: string, base: number): Promise<Segment> {
  const name = segmentName(base);
  const segment = new Segment(
    base,
    join(dir, `${name}.log`),
    join(dir, `${name}.idx`),
    await fs.open(join(dir, `${name}.log`), 'create'),
  );
  await fs.syncDir(dir);
  return segment;
}
