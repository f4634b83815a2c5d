/** A station's partitions, consumer groups and dedup index, on disk or in memory. */
import { join } from 'node:path';
import { checkName } from '../backend/names.js';
import { startOffset } from '../backend/start-position.js';
import type {
  AppendBatch,
  AppendOutcome,
  DeadLetterStore,
  GroupCursor,
  GroupCursorOptions,
  StationBackend,
} from '../backend/types.js';
import type { Metrics } from '../metrics.js';
import { forEachLimited, forEachSettled } from './concurrency.js';
import { DeadLetterLog } from './dead-letters.js';
import { type DedupBudget, DedupIndex } from './dedup.js';
import type { FileSystem } from './fs/types.js';
import { EmbeddedGroupCursor } from './group-cursor.js';
import { FileGroupStore, MemoryGroupStore } from './group-store.js';
import type { StorageLogger } from './logger.js';
import type { MemoryBudget } from './memory-budget.js';
import { MemoryPartitionLog } from './memory-log.js';
import { fileIds } from './partition-ids.js';
import { FilePartitionLog } from './partition-log.js';
import { type AppendTarget, appendWithDedup } from './station-append.js';
import { stationLayout } from './station-layout.js';
import {
  diskDurability,
  type GroupOp,
  type GroupStore,
  type PartitionBounds,
  type PartitionLog,
  type PartitionLogOptions,
  type ReadOptions,
  type RetentionPolicy,
  type StationStoreConfig,
  type StoredRecord,
} from './types.js';

/** Partitions of a station opened, or closed, at once. */
const OPEN_CONCURRENCY = 16;
const CLOSE_CONCURRENCY = 16;

/** Engine-wide settings every station store gets. */
export interface StationContext {
  log: StorageLogger;
  now: () => number;
  /** The dedup index of all stations together, within one bound. [LIMITS-6] */
  dedup: DedupBudget;
  maxNameBytes: number;
  /** What all memory stations together may hold. [LIMITS-4] */
  memory: MemoryBudget;
  /** What one memory station may hold. */
  memoryStationMaxBytes: number;
  /** Bytes one read of a partition may return when a group takes messages. */
  maxReadBytes: number;
  metrics: Metrics;
}

/** What file stations get besides. */
export interface FileStationContext extends StationContext {
  fs: FileSystem;
  segmentBytes: number;
  segmentMs: number;
  maxPendingBytes: number;
  groupCompactAfterBytes: number;
}

/** Writes a station's settings durably (the engine's settings file). */
export type SettingsWriter = (settings: unknown) => Promise<void>;

/** What a station was created with, as the engine keeps it. */
export interface StationRecord {
  config: StationStoreConfig;
  createdAt: number;
  settings?: unknown;
}

/** The dead-letter store and the parts it is made of, which the station closes. */
interface DeadLetterParts {
  store: DeadLetterStore;
  log: PartitionLog;
  removed: GroupStore;
}

async function deadLetterParts(log: PartitionLog, removed: GroupStore): Promise<DeadLetterParts> {
  return { store: await DeadLetterLog.open(log, removed), log, removed };
}

/** A station of the embedded engines: the backend interface, and the parts it is built of. */
export abstract class StationStore implements StationBackend {
  protected readonly groupStores = new Map<string, Promise<GroupStore>>();
  /** The group stores once open: what ack-based retention reads, without waiting. */
  private readonly openedGroups = new Map<string, GroupStore>();
  private readonly cursors = new Map<string, EmbeddedGroupCursor>();
  private readonly appendTarget: AppendTarget;
  readonly config: StationStoreConfig;
  readonly createdAt: number;
  settings: unknown;
  readonly deadLetters: DeadLetterStore;

  constructor(
    readonly name: string,
    record: StationRecord,
    protected readonly partitions: PartitionLog[],
    /** The station's dedup index (the engines' own part, inside append). */
    readonly dedup: DedupIndex,
    private readonly deadLetterParts: DeadLetterParts,
    protected readonly ctx: StationContext,
    private readonly writeSettings: SettingsWriter,
  ) {
    this.deadLetters = deadLetterParts.store;
    this.config = record.config;
    this.createdAt = record.createdAt;
    this.settings = record.settings;
    this.appendTarget = {
      partition: (p) => this.partition(p),
      dedup,
      writing: new Map(),
      durability: record.config.durability,
      now: ctx.now,
    };
  }

  async saveSettings(settings: unknown): Promise<void> {
    await this.writeSettings(settings);
    this.settings = settings;
  }

  /** A partition's log (the embedded engines' own part, below the backend interface). */
  partition(index: number): PartitionLog {
    const log = this.partitions[index];
    if (log === undefined) throw new RangeError(`station ${this.name} has no partition ${index}`);
    return log;
  }

  append(batch: AppendBatch, retention?: RetentionPolicy): Promise<AppendOutcome> {
    return appendWithDedup(this.appendTarget, batch, retention);
  }

  read(partition: number, offset: number, options: ReadOptions): Promise<StoredRecord[]> {
    return this.partition(partition).read(offset, options);
  }

  async bounds(partition: number): Promise<PartitionBounds> {
    return this.partition(partition).bounds();
  }

  offsetForTimestamp(partition: number, timestamp: number): Promise<number> {
    return this.partition(partition).offsetForTimestamp(timestamp);
  }

  async applyRetention(policy: RetentionPolicy, now: number, ackBased: boolean): Promise<number[]> {
    const dropped: number[] = [];
    let failure: unknown;
    for (let p = 0; p < this.partitions.length; p++) {
      // Ack-based: what every group has done may go (nothing while no group exists).
      const deleteBelow = ackBased ? this.lowestCursor(p) : undefined;
      try {
        dropped.push(await this.partition(p).applyRetention(policy, now, deleteBelow));
      } catch (err) {
        // One partition failing does not keep the others from their retention.
        failure ??= err;
        dropped.push(0);
      }
    }
    if (failure !== undefined) throw failure;
    return dropped;
  }

  async purge(partition: number | undefined, below: number | undefined): Promise<number[]> {
    const dropped = this.partitions.map(() => 0);
    for (let p = 0; p < this.partitions.length; p++) {
      if (partition !== undefined && p !== partition) continue;
      const log = this.partition(p);
      // An empty policy keeps everything; only `below` (the next offset by default) drops.
      dropped[p] = await log.applyRetention({}, Date.now(), below ?? log.bounds().next);
    }
    return dropped;
  }

  /** The group's state, opened (and created empty) if need be: the engines' own part. */
  group(name: string): Promise<GroupStore> {
    try {
      checkName('group', name, this.ctx.maxNameBytes);
    } catch (e) {
      return Promise.reject(e);
    }
    let store = this.groupStores.get(name);
    if (store === undefined) {
      store = this.openGroupStore(name);
      this.groupStores.set(name, store);
      store.then(
        (opened) => {
          if (this.groupStores.get(name) === store) this.openedGroups.set(name, opened);
        },
        () => undefined,
      );
      // A failed open is not cached, so a later call can retry.
      store.catch(() => this.groupStores.delete(name));
    }
    return store;
  }

  async groups(): Promise<string[]> {
    return [...this.groupStores.keys()].sort();
  }

  /** A new group starts at the requested position; an existing one keeps its state. [CONS-1] */
  async openGroup(name: string, options: GroupCursorOptions): Promise<GroupCursor> {
    const open = this.cursors.get(name);
    if (open !== undefined && !open.closed) return open;
    const store = await this.group(name);
    const starts = new Map<number, number>();
    for (let p = 0; p < this.partitions.length; p++) {
      if (store.state(p) !== undefined) continue;
      const log = this.partition(p);
      const source = { bounds: log.bounds(), offsetAt: (t: number) => log.offsetForTimestamp(t) };
      starts.set(p, await startOffset(source, options.start));
    }
    // Checked again with no await before the apply: a concurrent open may have initialised some.
    const ops: GroupOp[] = [];
    for (const [p, cursor] of starts)
      if (store.state(p) === undefined) ops.push({ op: 'init', partition: p, cursor });
    await store.apply(ops);
    const raced = this.cursors.get(name);
    if (raced !== undefined && !raced.closed) return raced;
    const cursor = new EmbeddedGroupCursor(
      {
        store,
        partitions: this.partitions,
        deadLetters: this.deadLetters,
        maxReadBytes: this.ctx.maxReadBytes,
        log: this.ctx.log,
      },
      options,
    );
    this.cursors.set(name, cursor);
    return cursor;
  }

  async deleteGroup(name: string): Promise<void> {
    await this.cursors.get(name)?.close();
    this.cursors.delete(name);
    const store = this.groupStores.get(name);
    if (store === undefined) return;
    this.groupStores.delete(name);
    this.openedGroups.delete(name);
    await (await store.catch(() => undefined))?.close();
    await this.removeGroup(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.cursors.values()].map((c) => c.close()));
    this.cursors.clear();
    const groups = await Promise.allSettled(this.groupStores.values());
    // A few partitions at a time: each writes its index, and all at once would only queue for files.
    const partitions = forEachSettled(this.partitions.length, CLOSE_CONCURRENCY, (p) =>
      (this.partitions[p] as PartitionLog).close(),
    );
    await Promise.all([
      partitions,
      this.dedup.close(),
      this.deadLetterParts.log.close(),
      this.deadLetterParts.removed.close(),
      ...groups.flatMap((g) => (g.status === 'fulfilled' ? [g.value.close()] : [])),
    ]);
  }

  /**
   * The lowest cursor of every group in `partition`, open cursors or not (a group found on disk
   * keeps what it has not done before anyone subscribes); undefined without groups.
   */
  private lowestCursor(partition: number): number | undefined {
    let lowest: number | undefined;
    for (const store of this.openedGroups.values()) {
      const at = store.state(partition)?.cursor;
      if (at !== undefined && (lowest === undefined || at < lowest)) lowest = at;
    }
    return lowest;
  }

  protected abstract openGroupStore(name: string): Promise<GroupStore>;

  /** Removes a closed group's state for good. */
  protected abstract removeGroup(name: string): Promise<void>;
}

/** Group directories renamed away by a delete start with this (group names never do). */
const DELETED_GROUP_PREFIX = '.deleted-';

export class FileStationStore extends StationStore {
  private constructor(
    name: string,
    record: StationRecord,
    partitions: PartitionLog[],
    dedup: DedupIndex,
    deadLetters: DeadLetterParts,
    private readonly fileCtx: FileStationContext,
    writeSettings: SettingsWriter,
    private readonly dir: string,
  ) {
    super(name, record, partitions, dedup, deadLetters, fileCtx, writeSettings);
  }

  /**
   * Opens the station's files in `dir` (recovering each partition), and its existing groups.
   * What was opened is closed again if a later part fails, so a station that cannot open holds nothing.
   */
  static async open(
    ctx: FileStationContext,
    dir: string,
    name: string,
    record: StationRecord,
    writeSettings: SettingsWriter,
  ): Promise<FileStationStore> {
    const { config } = record;
    const at = stationLayout(dir);
    const options: PartitionLogOptions = {
      durability: diskDurability(config.durability),
      flushIntervalMs: config.flushIntervalMs,
      segmentBytes: ctx.segmentBytes,
      segmentMs: ctx.segmentMs,
      maxPendingBytes: ctx.maxPendingBytes,
    };
    const opened: { close(): Promise<void> }[] = [];
    const keep = <T extends { close(): Promise<void> }>(part: T): T => {
      opened.push(part);
      return part;
    };
    const { fs, log, now, metrics } = ctx;
    // The station's partitions and its dead-letter log are logs of one kind, opened alike.
    const openLog = (logDir: string, partition: number) =>
      FilePartitionLog.open({ fs, dir: logDir, partition, options, log, now, metrics });
    let store: FileStationStore | undefined;
    try {
      const partitions: PartitionLog[] = new Array(config.partitions);
      // Opening is a chain of small I/O round trips: overlapping partitions keeps the disk busy.
      await forEachLimited(config.partitions, OPEN_CONCURRENCY, async (p) => {
        partitions[p] = keep(await openLog(at.partition(p), p));
      });
      await ctx.fs.syncDir(at.partitions);
      const dedup = keep(new DedupIndex(ctx.dedup, config.dedupWindowMs));
      const ids = await Promise.all(partitions.map((log, p) => fileIds(fs, at.partition(p), log)));
      await dedup.rebuild(ids, ctx.now());
      const dlsLog = keep(await openLog(at.deadLetterLog, 0));
      const removed = keep(
        await FileGroupStore.open(ctx.fs, at.deadLetterRemovals, 'removed', {
          durability: diskDurability(config.durability),
          flushIntervalMs: config.flushIntervalMs,
          compactAfterBytes: ctx.groupCompactAfterBytes,
          now: ctx.now,
          metrics: ctx.metrics,
        }),
      );
      const deadLetters = await deadLetterParts(dlsLog, removed);
      store = new FileStationStore(
        name,
        record,
        partitions,
        dedup,
        deadLetters,
        ctx,
        writeSettings,
        dir,
      );
      for (const group of await ctx.fs.readdir(at.groups)) {
        // A delete that crashed after its rename: the group is gone, its files go now.
        if (group.startsWith(DELETED_GROUP_PREFIX)) await ctx.fs.rmdir(join(at.groups, group));
        else await store.group(group);
      }
      return store;
    } catch (e) {
      // Once the store exists it holds every part, its groups too.
      await Promise.allSettled((store === undefined ? opened : [store]).map((p) => p.close()));
      throw e;
    }
  }

  protected async openGroupStore(name: string): Promise<GroupStore> {
    const groupsDir = stationLayout(this.dir).groups;
    await this.fileCtx.fs.mkdir(groupsDir);
    return FileGroupStore.open(this.fileCtx.fs, join(groupsDir, name), name, {
      durability: diskDurability(this.config.durability),
      flushIntervalMs: this.config.flushIntervalMs,
      compactAfterBytes: this.fileCtx.groupCompactAfterBytes,
      now: this.fileCtx.now,
      metrics: this.fileCtx.metrics,
    });
  }

  /** Renamed away first, so a crash midway never leaves a half group that would open. */
  protected async removeGroup(name: string): Promise<void> {
    const groupsDir = stationLayout(this.dir).groups;
    const doomed = join(groupsDir, `${DELETED_GROUP_PREFIX}${name}`);
    await this.fileCtx.fs.rmdir(doomed);
    await this.fileCtx.fs.rename(join(groupsDir, name), doomed);
    await this.fileCtx.fs.syncDir(groupsDir);
    await this.fileCtx.fs.rmdir(doomed);
  }
}

export class MemoryStationStore extends StationStore {
  static async create(
    ctx: StationContext,
    name: string,
    record: StationRecord,
    writeSettings: SettingsWriter,
  ): Promise<MemoryStationStore> {
    // Its partitions and dead letters share the station's bound; closing them gives it back.
    const memory = ctx.memory.station(name, ctx.memoryStationMaxBytes);
    const partitions = Array.from(
      { length: record.config.partitions },
      (_, p) => new MemoryPartitionLog(p, ctx.now, memory),
    );
    const dedup = new DedupIndex(ctx.dedup, record.config.dedupWindowMs);
    const deadLetters = await deadLetterParts(
      new MemoryPartitionLog(0, ctx.now, memory),
      new MemoryGroupStore('removed'),
    );
    return new MemoryStationStore(name, record, partitions, dedup, deadLetters, ctx, writeSettings);
  }

  protected async openGroupStore(name: string): Promise<GroupStore> {
    return new MemoryGroupStore(name);
  }

  protected async removeGroup(): Promise<void> {}
}
