/**
 * The data directory is the broker's alone [SEC-4]: created 0700, and
 * narrowed to 0700 when it already existed open to others (made by hand, or
 * by a version that did not restrict it). Everything below it is created
 * 0700 (directories) and 0600 (files) by the filesystem layer.
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import type { StorageLogger } from './logger.js';

const PRIVATE_DIR = 0o700;

export async function claimDataDir(dataDir: string, log: StorageLogger): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
  const mode = (await stat(dataDir)).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const previousMode = `0${mode.toString(8)}`;
  try {
    await chmod(dataDir, PRIVATE_DIR);
  } catch (err) {
    // A mount point owned by another user cannot be changed; what the broker creates in it still is private.
    log.error(
      { dataDir, previousMode, err },
      'the data directory is open to other users and its mode could not be changed to 0700',
    );
    return;
  }
  log.warn(
    { dataDir, previousMode },
    'the data directory was open to other users: its mode is now 0700',
  );
}
