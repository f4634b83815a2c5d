/**
 * How many files storage may keep open [LIMITS-3]: sized from the process's
 * descriptor limit, so that connections, listeners and the runtime always
 * find descriptors however many partitions and groups there are.
 */
import { readFileSync } from 'node:fs';
import type { StorageLogger } from '../logger.js';

/** Where the limit cannot be read (no /proc): the usual soft limit, a safe guess. */
const FALLBACK_LIMIT = 1024;
/**
 * Descriptors neither storage nor clients use: stdio, the event loop's epoll and eventfds,
 * the two listeners, the lock file, log destinations, DNS and TLS files, child processes.
 */
const RESERVED = 64;
/** Below this the pool would thrash on every request; the pool works with less, slowly. */
const MIN_POOL = 16;
/**
 * Above this, more open files buy little (what is hot is the active segments and journals
 * being written, and the segments being read) while each costs kernel memory.
 */
const MAX_POOL = 65_536;

/** The soft RLIMIT_NOFILE, which Node raises to the hard limit when it starts. */
export function descriptorLimit(limitsFile = '/proc/self/limits'): number {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return FALLBACK_LIMIT;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER;
  const limit = Number(soft);
  return Number.isSafeInteger(limit) && limit > 0 ? limit : FALLBACK_LIMIT;
}

/**
 * The split of `limit`: RESERVED for the process, then sockets get what `maxConnections`
 * needs but at most half of the rest (so a huge connection cap cannot starve storage), and
 * storage the remainder, within [MIN_POOL, MAX_POOL].
 */
export function storageShare(limit: number, maxConnections: number): number {
  const available = Math.max(0, limit - RESERVED);
  const sockets = Math.min(maxConnections, Math.floor(available / 2));
  return Math.min(MAX_POOL, Math.max(MIN_POOL, available - sockets));
}

/** The setting's value, with 'auto' resolved from the limit; logs what it chose. */
export function maxOpenFiles(
  setting: number | 'auto',
  maxConnections: number,
  log: StorageLogger,
): number {
  const limit = descriptorLimit();
  const chosen = setting === 'auto' ? storageShare(limit, maxConnections) : setting;
  log.info({ maxOpenFiles: chosen, descriptorLimit: limit, setting }, 'storage file pool sized');
  return chosen;
}
