import { join } from 'node:path';
import { nodeFs } from '../../src/storage/fs/node-fs.js';
import type { FileSystem } from '../../src/storage/fs/types.js';
import { type StorageLogger, silentLogger } from '../../src/storage/logger.js';
import { FilePartitionLog } from '../../src/storage/partition-log.js';
import type { PartitionLogOptions } from '../../src/storage/types.js';

export const LOG_DEFAULTS: PartitionLogOptions = {
  durability: 'always',
  flushIntervalMs: 50,
  segmentBytes: 64 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600_000,
  maxPendingBytes: 64 * 1024 * 1024,
};

export interface OpenLogOptions extends Partial<PartitionLogOptions> {
  fs?: FileSystem;
  log?: StorageLogger;
  now?: () => number;
}

export function openLog(dir: string, options: OpenLogOptions = {}): Promise<FilePartitionLog> {
  const { fs = nodeFs, log = silentLogger, now = Date.now, ...rest } = options;
  return FilePartitionLog.open({
    fs,
    dir: join(dir, 'p0'),
    partition: 0,
    options: { ...LOG_DEFAULTS, ...rest },
    log,
    now,
  });
}

export const bytes = (text: string) => new TextEncoder().encode(text);
export const text = (data: Uint8Array) => new TextDecoder().decode(data);
