/**
 * Group commit, shared by partition logs and group journals: items submitted
 * while a flush runs go into the next one, a single write and at most one
 * fdatasync, so the disk's sync rate bounds flushes, not items.
 *
 * Durability: with 'always' an item resolves only after the fdatasync that
 * covers it; with 'interval' once written, with an fdatasync at most
 * `flushIntervalMs` later (or sooner when asked); with 'never' once written.
 * A lazy item is treated as 'interval' whatever the writer's durability: a
 * flush of lazy items only has no fdatasync of its own, and the next item that
 * needs one, or the timer, covers it. With `overlapSync`, the next flush is
 * written while the last one's fdatasync runs, so lazy items never wait for
 * one (at most one fdatasync runs at a time).
 * After a failed fdatasync the page cache can no longer be trusted, so the
 * writer fails for good: it rejects every waiting and later item.
 */
import { type Histogram, type Labels, type Metrics, noMetrics, secondsSince } from '../metrics.js';
import { ioError, StorageError } from './errors.js';
import type { DiskDurability } from './types.js';

/** What is specific to the file a writer commits to. */
export interface CommitTarget<T, R, W> {
  /**
   * Encodes `items` and writes them as one write, returning what `acknowledge` needs. A throw
   * rejects exactly these items: it must leave nothing of them behind, or fail the writer.
   */
  write(items: readonly T[]): Promise<W>;
  /** fdatasync of everything written so far. */
  sync(): Promise<void>;
  /** The items are as durable as configured: makes them visible and returns their results. */
  acknowledge(items: readonly T[], written: W): R[] | Promise<R[]>;
  /** Runs at the end of every flush, after its fdatasync if it had one. */
  afterFlush?(): Promise<void>;
}

export interface GroupCommitOptions {
  /** Who is writing, for error messages: "partition 3", "group orders". */
  name: string;
  durability: DiskDurability;
  /** With 'interval': the longest time between fdatasyncs. */
  flushIntervalMs: number;
  /**
   * Bound on the bytes waiting for the disk, queued or written and waiting for their fdatasync;
   * an item is always accepted when nothing waits.
   */
  maxPendingBytes: number;
  /** One flush takes at most this much (one larger item goes alone); unbounded by default. */
  maxFlushBytes?: number;
  now: () => number;
  /** Where fdatasync times and flush sizes are observed, labelled with `kind`. */
  metrics?: Metrics;
  /** What the writer writes, as metrics label it: partition logs or group journals. */
  kind: 'partition' | 'group';
  /** The error every waiting and later item gets once the writer fails for good; may log it. */
  failed?: (error: StorageError) => StorageError;
  /**
   * Writes the next flush while the last one's fdatasync runs. Only for a target whose writes
   * do not depend on earlier flushes being acknowledged, and whose `acknowledge` does not
   * depend on order: a lazy flush is acknowledged before an earlier one waiting for the disk.
   */
  overlapSync?: boolean;
}

interface Pending<T, R> {
  item: T;
  bytes: number;
  lazy: boolean;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class GroupCommitWriter<T, R, W> {
  private queue: Pending<T, R>[] = [];
  /** The flush being written: still waiting for the disk. */
  private inflight: Pending<T, R>[] = [];
  /** Bytes queued and in flight. */
  private pendingBytes = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private syncWanted = false;
  /** Flushes written, and how many of them an fdatasync covers. */
  private writtenSeq = 0;
  private syncedSeq = 0;
  /** With overlapSync: the flushes waiting for their fdatasync, and the chain that runs them. */
  private readonly awaitingSync = new Set<Pending<T, R>[]>();
  private syncChain: Promise<void> = Promise.resolve();
  private lastSyncAt: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failed: StorageError | undefined;
  private closing: Promise<void> | undefined;
  private readonly syncSeconds: Histogram;
  private readonly flushBytes: Histogram;
  private readonly labels: Labels;

  constructor(
    private readonly options: GroupCommitOptions,
    private readonly target: CommitTarget<T, R, W>,
  ) {
    this.lastSyncAt = options.now();
    const metrics = options.metrics ?? noMetrics;
    this.labels = { log: options.kind };
    this.syncSeconds = metrics.histogram('ferry_storage_fsync_seconds', {
      help: 'Time one fdatasync of a group commit took',
      labelNames: ['log'],
    });
    this.flushBytes = metrics.histogram('ferry_storage_flush_bytes', {
      help: 'Bytes one group commit wrote',
      labelNames: ['log'],
      buckets: [256, 4096, 65_536, 1_048_576, 16_777_216],
    });
  }

  /** Why the writer refuses everything, once it has failed. */
  get failure(): StorageError | undefined {
    return this.failed;
  }

  /** Why an item of `bytes` would be refused now, if it would. */
  refusal(bytes: number): StorageError | undefined {
    if (this.failed !== undefined) return this.failed;
    if (this.closing !== undefined)
      return new StorageError('SHUTTING_DOWN', `${this.options.name} is closed`);
    const waiting = this.queue.length > 0 || this.awaitingSync.size > 0;
    if (waiting && this.pendingBytes + bytes > this.options.maxPendingBytes) {
      return new StorageError(
        'OVERLOADED',
        `${this.options.name}: ${this.pendingBytes} bytes already wait for the disk`,
      );
    }
    return undefined;
  }

  /**
   * Resolves with the item's result once it is as durable as configured, or, when `lazy`, once
   * written (fdatasynced within flushIntervalMs, unless the durability is 'never').
   */
  submit(item: T, bytes: number, lazy = false): Promise<R> {
    const refused = this.refusal(bytes);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, bytes, lazy, resolve, reject });
      this.pendingBytes += bytes;
      this.kick();
    });
  }

  /** Asks for an fdatasync of what is written, at the end of the flush in progress or the next. */
  requestSync(): void {
    this.syncWanted = true;
    this.kick();
  }

  /**
   * fdatasyncs what is written and not yet synced; for a target that must, inside `write`,
   * before it seals a file. Failing fails the writer.
   */
  async syncWritten(): Promise<void> {
    if (!this.dirty) return;
    // Only what was written before the fdatasync began is covered by it.
    const upTo = this.writtenSeq;
    const started = performance.now();
    try {
      await this.target.sync();
    } catch (e) {
      throw this.fail(asStorageError(e, `${this.options.name}: fdatasync`));
    }
    this.syncSeconds.observe(this.labels, secondsSince(started));
    this.syncedSeq = Math.max(this.syncedSeq, upTo);
    this.lastSyncAt = this.options.now();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Fails the writer for good: every waiting item, the flush in progress included, and every
   * later one is rejected. Returns the error they get.
   */
  fail(error: StorageError): StorageError {
    this.failed ??= this.options.failed?.(error) ?? error;
    clearTimeout(this.timer);
    // Settled promises ignore this: it reaches only those still waiting.
    for (const p of this.inflight) p.reject(this.failed);
    for (const batch of this.awaitingSync) for (const p of batch) p.reject(this.failed);
    this.awaitingSync.clear();
    for (const p of this.queue.splice(0)) {
      this.pendingBytes -= p.bytes;
      p.reject(this.failed);
    }
    return this.failed;
  }

  /** Refuses new items, writes those already submitted, and fdatasyncs what is written. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    while (this.running) await this.loop;
    await this.syncChain;
    clearTimeout(this.timer);
    if (this.dirty && this.failed === undefined) {
      try {
        await this.target.sync();
      } catch (e) {
        throw asStorageError(e, `${this.options.name}: fdatasync on close`);
      }
      this.syncedSeq = this.writtenSeq;
    }
  }

  /** Written and not yet covered by an fdatasync. */
  private get dirty(): boolean {
    return this.syncedSeq < this.writtenSeq;
  }

  private hasWork(): boolean {
    return this.failed === undefined && (this.queue.length > 0 || this.syncWanted);
  }

  private kick(): void {
    if (this.running || !this.hasWork()) return;
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.hasWork()) await this.flush();
    } finally {
      this.running = false;
    }
  }

  /** Takes what is queued, up to maxFlushBytes but at least one item. */
  private take(): number {
    const max = this.options.maxFlushBytes ?? Number.POSITIVE_INFINITY;
    let count = 0;
    let bytes = 0;
    while (
      count < this.queue.length &&
      (count === 0 || bytes + (this.queue[count] as Pending<T, R>).bytes <= max)
    ) {
      bytes += (this.queue[count] as Pending<T, R>).bytes;
      count++;
    }
    this.inflight = this.queue.splice(0, count);
    return bytes;
  }

  /** One group commit: one write of what was queued, and at most one fdatasync. */
  private async flush(): Promise<void> {
    const bytes = this.take();
    if (bytes > 0) this.flushBytes.observe(this.labels, bytes);
    // A flush handed to the fdatasync chain keeps its bytes counted until it is acknowledged.
    let counted = bytes;
    try {
      if (await this.commit(this.inflight, bytes)) counted = 0;
    } catch (e) {
      // commit() handles I/O errors itself; this is a bug, and nothing may hang on it.
      this.fail(
        new StorageError('INTERNAL', `${this.options.name}: writer failed: ${String(e)}`, {
          cause: e,
        }),
      );
    } finally {
      this.inflight = [];
      this.pendingBytes -= counted;
    }
  }

  /** Returns whether the flush waits for its fdatasync on the chain (overlapSync). */
  private async commit(batch: Pending<T, R>[], bytes: number): Promise<boolean> {
    const { durability, flushIntervalMs, now } = this.options;
    const items = batch.map((p) => p.item);
    // A flush of lazy items only is acknowledged once written, as with 'interval'.
    const synced = durability === 'always' && batch.some((p) => !p.lazy);
    let written: W | undefined;
    if (batch.length > 0) {
      try {
        written = await this.target.write(items);
      } catch (e) {
        const error = asStorageError(e, `${this.options.name}: write`);
        for (const p of batch) p.reject(error);
        return false;
      }
      this.writtenSeq++;
      if (!synced) await this.acknowledge(batch, items, written);
      else if (this.options.overlapSync && !this.syncWanted) {
        this.acknowledgeWhenSynced(batch, items, written, bytes);
        await this.target.afterFlush?.();
        return true;
      }
    }
    const due =
      synced ||
      this.syncWanted ||
      (durability !== 'never' && this.dirty && now() - this.lastSyncAt >= flushIntervalMs);
    this.syncWanted = false;
    if (due) {
      // One fdatasync at a time: a target may swap its file once this one returns.
      await this.syncChain;
      try {
        await this.syncWritten();
      } catch {
        return false; // the writer failed, and rejected this batch with everything else
      }
    }
    if (synced) await this.acknowledge(batch, items, written as W);
    if (this.dirty && durability !== 'never') this.armTimer();
    await this.target.afterFlush?.();
    return false;
  }

  /**
   * Acknowledges a written flush after an fdatasync that begins once the one running (if any)
   * is done, so that flushes written meanwhile share it; the writer goes on meanwhile.
   */
  private acknowledgeWhenSynced(
    batch: Pending<T, R>[],
    items: T[],
    written: W,
    bytes: number,
  ): void {
    const seq = this.writtenSeq;
    this.awaitingSync.add(batch);
    this.syncChain = this.syncChain.then(async () => {
      try {
        if (this.syncedSeq < seq) await this.syncWritten();
        if (this.awaitingSync.delete(batch)) await this.acknowledge(batch, items, written);
      } catch (e) {
        // syncWritten failed the writer, which rejected this flush; anything else is a bug.
        if (this.failed === undefined)
          this.fail(
            new StorageError('INTERNAL', `${this.options.name}: writer failed: ${String(e)}`, {
              cause: e,
            }),
          );
      } finally {
        this.pendingBytes -= bytes;
      }
    });
  }

  private async acknowledge(batch: Pending<T, R>[], items: T[], written: W): Promise<void> {
    const results = await this.target.acknowledge(items, written);
    batch.forEach((p, i) => {
      p.resolve(results[i] as R);
    });
  }

  private armTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.requestSync();
    }, this.options.flushIntervalMs);
    this.timer.unref();
  }
}

function asStorageError(e: unknown, what: string): StorageError {
  return e instanceof StorageError ? e : ioError(what, e);
}
