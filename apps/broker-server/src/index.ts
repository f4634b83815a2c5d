/**
 * The Ferry broker's storage backends: the interface the broker's domain is written against,
 * the embedded file engine (the default) and the memory engine.
 *
 * @packageDocumentation
 */
export type * from './backend/types.js';
export type { Counter, Gauge, Histogram, Labels, Metrics } from './metrics.js';
export { noMetrics } from './metrics.js';
export { EmbeddedStorageEngine, type EngineOptions } from './storage/engine.js';
export { StorageError } from './storage/errors.js';
export type { FileHandle, FileSystem, OpenMode } from './storage/fs/types.js';
export type { StorageLogger } from './storage/logger.js';
export { MemoryEngine, type MemoryEngineOptions } from './storage/memory-engine.js';
/** The embedded engines' own parts, below the backend interface (fault tests drive them). */
export type { StationStore } from './storage/station-store.js';
export type {
  DedupEntry,
  DiskDurability,
  GroupOp,
  GroupPartitionState,
  GroupStore,
  PartitionLog,
} from './storage/types.js';
