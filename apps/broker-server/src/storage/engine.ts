/**
 * The embedded storage engine: a data directory of stations, each with its
 * settings file, partitions and groups. The default backend; nothing else to
 * install.
 */
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '@ferry/protocol';
import { checkName } from '../backend/names.js';
import type { Backend } from '../backend/types.js';
import { type Metrics, noMetrics } from '../metrics.js';
import { claimDataDir } from './data-dir.js';
import { DedupBudget } from './dedup.js';
import { StorageError } from './errors.js';
import { nodeFs } from './fs/node-fs.js';
import { PooledFileSystem } from './fs/pooled-fs.js';
import type { FileSystem } from './fs/types.js';
import { writeFileDurably } from './fs/write-file.js';
import { DataDirLock } from './lock.js';
import { type StorageLogger, silentLogger } from './logger.js';
import {
  DEFAULT_MEMORY_MAX_BYTES,
  DEFAULT_MEMORY_STATION_MAX_BYTES,
  MemoryBudget,
} from './memory-budget.js';
import { FileMetadataStore } from './metadata-store.js';
import { buildStation, removeUnfinished, SETTINGS_FILE } from './station-layout.js';
import {
  type FileStationContext,
  FileStationStore,
  MemoryStationStore,
  type StationRecord,
  type StationStore,
} from './station-store.js';
import type { StationStoreConfig } from './types.js';

export interface EngineOptions {
  dataDir: string;
  /** The filesystem; the real one unless a test injects faults. */
  fs?: FileSystem;
  log?: StorageLogger;
  metrics?: Metrics;
  now?: () => number;
  /** Roll a segment at this size (default 64 MiB). */
  segmentBytes?: number;
  /** Roll a segment at this age (default 1 day). */
  segmentMs?: number;
  /** Bytes per partition accepted and not yet on disk (default 64 MiB). */
  maxPendingBytes?: number;
  /** Checkpoint a group's journal past this size (default 4 MiB). */
  groupCompactAfterBytes?: number;
  /** Most msgIds the dedup index of all stations together holds (default 1,000,000). [LIMITS-6] */
  dedupMaxEntries?: number;
  /** Most files open at once, segments, journals and directory syncs together (default 512). */
  maxOpenFiles?: number;
  /** Bytes one memory station may hold (default 64 MiB). [LIMITS-4] */
  memoryStationMaxBytes?: number;
  /** Bytes all memory stations together may hold (default 256 MiB). */
  memoryMaxBytes?: number;
  /** Bytes one read of a partition may return when a group takes messages (default maxBatchBytes). */
  maxReadBytes?: number;
  /** Skip the data-directory lock and mode (only for a fault-injecting filesystem in tests). */
  skipLock?: boolean;
}

const DEFAULT_MAX_OPEN_FILES = 512;

export class EmbeddedStorageEngine implements Backend {
  readonly kind = 'file';
  private readonly open = new Map<string, Promise<StationStore>>();

  private constructor(
    private readonly ctx: FileStationContext,
    private readonly stationsDir: string,
    private readonly lock: DataDirLock | undefined,
    readonly metadata: FileMetadataStore,
  ) {}

  static async open(options: EngineOptions): Promise<EmbeddedStorageEngine> {
    const fs = new PooledFileSystem(
      options.fs ?? nodeFs,
      options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES,
    );
    const log = options.log ?? silentLogger;
    await fs.mkdir(options.dataDir);
    let lock: DataDirLock | undefined;
    if (!options.skipLock) {
      await claimDataDir(options.dataDir, log);
      lock = await DataDirLock.acquire(options.dataDir);
    }
    const stationsDir = join(options.dataDir, 'stations');
    await fs.mkdir(stationsDir);
    await removeUnfinished(fs, stationsDir);
    const ctx: FileStationContext = {
      fs,
      log,
      now: options.now ?? Date.now,
      segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
      segmentMs: options.segmentMs ?? 24 * 3600_000,
      maxPendingBytes: options.maxPendingBytes ?? 64 * 1024 * 1024,
      groupCompactAfterBytes: options.groupCompactAfterBytes ?? 4 * 1024 * 1024,
      dedup: new DedupBudget(options.dedupMaxEntries ?? 1_000_000),
      maxNameBytes: DEFAULT_LIMITS.maxNameBytes,
      memory: new MemoryBudget(options.memoryMaxBytes ?? DEFAULT_MEMORY_MAX_BYTES),
      memoryStationMaxBytes: options.memoryStationMaxBytes ?? DEFAULT_MEMORY_STATION_MAX_BYTES,
      maxReadBytes: options.maxReadBytes ?? DEFAULT_LIMITS.maxBatchBytes,
      metrics: options.metrics ?? noMetrics,
    };
    const metadata = await FileMetadataStore.open(fs, options.dataDir);
    return new EmbeddedStorageEngine(ctx, stationsDir, lock, metadata);
  }

  openStation(name: string, config: StationStoreConfig, settings?: unknown): Promise<StationStore> {
    try {
      checkName('station', name, this.ctx.maxNameBytes);
    } catch (e) {
      return Promise.reject(e);
    }
    let store = this.open.get(name);
    if (store === undefined) {
      store = this.load(name, { config, createdAt: this.ctx.now(), settings });
      this.open.set(name, store);
      store.catch(() => this.open.delete(name));
    }
    return store;
  }

  async listStations(): Promise<string[]> {
    const names: string[] = [];
    for (const name of await this.ctx.fs.readdir(this.stationsDir)) {
      // Dot entries are the engine's own (creations under way), never stations.
      if (name.startsWith('.')) continue;
      if ((await this.ctx.fs.readFile(join(this.stationsDir, name, SETTINGS_FILE))) !== undefined)
        names.push(name);
    }
    return names.sort();
  }

  async deleteStation(name: string): Promise<void> {
    checkName('station', name, this.ctx.maxNameBytes);
    const store = this.open.get(name);
    this.open.delete(name);
    if (store !== undefined) await (await store).close();
    const dir = join(this.stationsDir, name);
    // The settings file goes first and durably, so a crash mid-delete never leaves a half station that opens.
    await this.ctx.fs.unlink(join(dir, SETTINGS_FILE)).catch(() => undefined);
    await this.ctx.fs.syncDir(dir).catch(() => undefined);
    await this.ctx.fs.rmdir(dir);
    await this.ctx.fs.syncDir(this.stationsDir);
  }

  async close(): Promise<void> {
    const stores = await Promise.allSettled(this.open.values());
    this.open.clear();
    await Promise.all(stores.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
    await this.lock?.release();
  }

  /** The station as stored, or created from `fresh`: what is on disk wins over the argument. */
  private async load(name: string, fresh: StationRecord): Promise<StationStore> {
    const dir = join(this.stationsDir, name);
    const bytes = await this.ctx.fs.readFile(join(dir, SETTINGS_FILE));
    let record: StationRecord;
    if (bytes === undefined) {
      record = fresh;
      await buildStation(this.ctx.fs, this.stationsDir, name, {
        settings: encodeRecord(record),
        filePartitions: record.config.storage === 'file' ? record.config.partitions : 0,
      });
    } else {
      try {
        record = JSON.parse(new TextDecoder().decode(bytes)) as StationRecord;
      } catch (cause) {
        throw new StorageError(
          'STORAGE_FAILED',
          `station ${name}: ${SETTINGS_FILE} is unreadable`,
          { cause },
        );
      }
    }
    const writeSettings = (settings: unknown) => this.writeRecord(dir, { ...record, settings });
    if (record.config.storage === 'memory')
      return MemoryStationStore.create(this.ctx, name, record, writeSettings);
    return FileStationStore.open(this.ctx, dir, name, record, writeSettings);
  }

  /** Written beside, synced, then renamed into place: a crash leaves the old file or the new one. */
  private async writeRecord(dir: string, record: StationRecord): Promise<void> {
    const { fs } = this.ctx;
    await fs.mkdir(dir);
    const draft = join(dir, `${SETTINGS_FILE}.tmp`);
    await writeFileDurably(fs, draft, encodeRecord(record));
    await fs.rename(draft, join(dir, SETTINGS_FILE));
    await fs.syncDir(dir);
    await fs.syncDir(this.stationsDir);
  }
}

function encodeRecord(record: StationRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`);
}
