/** The backend `storage.engine` names, opened with the broker's storage settings. */
import type { Logger } from 'pino';
import type { Backend } from './backend/types.js';
import type { BrokerConfig } from './config/types.js';
import type { Metrics } from './metrics.js';
import { EmbeddedStorageEngine } from './storage/engine.js';
import { maxOpenFiles } from './storage/fs/descriptor-budget.js';
import { MemoryEngine } from './storage/memory-engine.js';

export async function openBackend(
  config: BrokerConfig,
  log: Logger,
  metrics: Metrics,
): Promise<Backend> {
  const { storage } = config;
  const common = {
    dedupMaxEntries: storage.dedupMaxEntries,
    memoryStationMaxBytes: storage.memoryStationMaxBytes,
    memoryMaxBytes: storage.memoryMaxBytes,
    maxReadBytes: config.limits.maxBatchBytes,
    log,
    metrics,
  };
  switch (storage.engine) {
    case 'memory':
      log.warn({}, 'storage.engine is memory: nothing is kept when the broker stops');
      return new MemoryEngine(common);
    case 'file':
      return EmbeddedStorageEngine.open({
        ...common,
        dataDir: config.dataDir,
        segmentBytes: storage.segmentBytes,
        segmentMs: storage.segmentMs,
        maxOpenFiles: maxOpenFiles(storage.maxOpenFiles, config.connections.max, log),
      });
  }
}
