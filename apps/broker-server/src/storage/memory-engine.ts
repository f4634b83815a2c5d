/**
 * The memory engine (`storage.engine: memory`): every station, group and dead letter lives in
 * the broker's memory, within the memory budgets, and is gone when the broker stops. For tests,
 * development and data that may be lost; nothing touches the disk.
 */
import { DEFAULT_LIMITS } from '@ferry/protocol';
import { checkName } from '../backend/names.js';
import type { Backend, StationBackend } from '../backend/types.js';
import { type Metrics, noMetrics } from '../metrics.js';
import { DedupBudget } from './dedup.js';
import { StorageError } from './errors.js';
import { type StorageLogger, silentLogger } from './logger.js';
import {
  DEFAULT_MEMORY_MAX_BYTES,
  DEFAULT_MEMORY_STATION_MAX_BYTES,
  MemoryBudget,
} from './memory-budget.js';
import { MemoryMetadataStore } from './metadata-store.js';
import { MemoryStationStore, type StationContext, type StationStore } from './station-store.js';
import type { StationStoreConfig } from './types.js';

export interface MemoryEngineOptions {
  log?: StorageLogger;
  metrics?: Metrics;
  now?: () => number;
  /** Most msgIds the dedup index of all stations together holds (default 1,000,000). [LIMITS-6] */
  dedupMaxEntries?: number;
  /** Bytes one station may hold (default 64 MiB). [LIMITS-4] */
  memoryStationMaxBytes?: number;
  /** Bytes all stations together may hold (default 256 MiB). */
  memoryMaxBytes?: number;
  /** Bytes one read of a partition may return when a group takes messages (default maxBatchBytes). */
  maxReadBytes?: number;
}

export class MemoryEngine implements Backend {
  readonly kind = 'memory';
  readonly metadata = new MemoryMetadataStore();
  private readonly stations = new Map<string, Promise<StationStore>>();
  private readonly ctx: StationContext;

  constructor(options: MemoryEngineOptions = {}) {
    this.ctx = {
      log: options.log ?? silentLogger,
      metrics: options.metrics ?? noMetrics,
      now: options.now ?? Date.now,
      dedup: new DedupBudget(options.dedupMaxEntries ?? 1_000_000),
      maxNameBytes: DEFAULT_LIMITS.maxNameBytes,
      memory: new MemoryBudget(options.memoryMaxBytes ?? DEFAULT_MEMORY_MAX_BYTES),
      memoryStationMaxBytes: options.memoryStationMaxBytes ?? DEFAULT_MEMORY_STATION_MAX_BYTES,
      maxReadBytes: options.maxReadBytes ?? DEFAULT_LIMITS.maxBatchBytes,
    };
  }

  openStation(
    name: string,
    config: StationStoreConfig,
    settings?: unknown,
  ): Promise<StationBackend> {
    let station = this.stations.get(name);
    if (station === undefined) {
      try {
        checkName('station', name, this.ctx.maxNameBytes);
        if (config.storage !== 'memory')
          throw new StorageError(
            'INVALID_CONFIG',
            `station '${name}': storage ${config.storage} needs the file engine; this broker runs storage.engine memory`,
          );
      } catch (e) {
        return Promise.reject(e);
      }
      const record = { config, createdAt: this.ctx.now(), settings };
      // Nothing outlives the process, so the settings only need to be kept by the store itself.
      station = MemoryStationStore.create(this.ctx, name, record, async () => {});
      this.stations.set(name, station);
      station.catch(() => this.stations.delete(name));
    }
    return station;
  }

  async listStations(): Promise<string[]> {
    return [...this.stations.keys()].sort();
  }

  async deleteStation(name: string): Promise<void> {
    checkName('station', name, this.ctx.maxNameBytes);
    const station = this.stations.get(name);
    this.stations.delete(name);
    await (await station?.catch(() => undefined))?.close();
  }

  async close(): Promise<void> {
    const stations = await Promise.allSettled(this.stations.values());
    this.stations.clear();
    await Promise.all(stations.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
  }
}
