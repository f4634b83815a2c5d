/**
 * The data-directory lock: a file holding the owner's pid, created atomically.
 * A second broker fails at once while the owner lives; after a crash
 * (kill -9) the stale lock is taken over at once, with no timeout to wait
 * out, because a dead pid cannot hold it.
 */
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StorageError } from './errors.js';

export const LOCK_FILE = 'ferry.lock';

interface Owner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirLock {
  private constructor(private readonly path: string) {}

  static async acquire(dataDir: string): Promise<DataDirLock> {
    const path = join(dataDir, LOCK_FILE);
    const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      // The lock appears with its content complete (link is atomic), so a reader never
      // mistakes a lock being written for one left half-written by a crash.
      const draft = `${path}.${process.pid}.tmp`;
      const handle = await open(draft, 'w', 0o600); // [SEC-4]
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(draft, path);
        return new DataDirLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        await unlink(draft);
      }
      const owner = await readOwner(path);
      if (owner !== undefined && (owner.host !== me.host || alive(owner.pid))) {
        throw new StorageError(
          'STORAGE_FAILED',
          `data directory ${dataDir} is in use by another broker (pid ${owner.pid} on ${owner.host} since ${owner.since}); stop it first, or delete ${path} if that broker is gone`,
        );
      }
      // The owner is dead. Renaming the stale file away is atomic, so of two brokers
      // racing here only one moves it; the other's rename fails and it retries.
      await rename(path, `${path}.stale-${process.pid}`)
        .then(() => unlink(`${path}.stale-${process.pid}`))
        .catch(() => undefined);
    }
    throw new StorageError('STORAGE_FAILED', `could not lock the data directory ${dataDir}`);
  }

  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string') {
      return { pid: owner.pid, host: owner.host, since: String(owner.since) };
    }
  } catch {
    // Unreadable or half-written: the owner crashed while writing it.
  }
  return undefined;
}
