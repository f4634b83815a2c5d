/**
 * A station's directory, and how a new one comes into being: built aside
 * under a name no station can have, with everything a start opens, made
 * durable, then renamed into place [LIMITS-2]. A crash before the rename
 * leaves only the aside directory, which the next start removes; after it,
 * the station is whole. Nothing half-created is ever opened.
 */
import { join } from 'node:path';
import { forEachLimited } from './concurrency.js';
import type { FileSystem } from './fs/types.js';
import { writeFileDurably } from './fs/write-file.js';
import { journalName } from './group-recovery.js';
import { segmentName } from './segment.js';

/** Aside directories start with this; station names never start with a dot. */
export const CREATING_PREFIX = '.creating-';

export const SETTINGS_FILE = 'station.json';

/** Partitions built at once: enough to overlap directory syncs, few enough to leave the pool to others. */
const BUILD_CONCURRENCY = 8;

export function stationLayout(dir: string) {
  return {
    settings: join(dir, SETTINGS_FILE),
    partitions: join(dir, 'partitions'),
    partition: (p: number) => join(dir, 'partitions', String(p)),
    deadLetters: join(dir, 'dead-letters'),
    deadLetterLog: join(dir, 'dead-letters', 'log'),
    deadLetterRemovals: join(dir, 'dead-letters', 'removed'),
    groups: join(dir, 'groups'),
  };
}

/** What a new station is made of: its settings file, and its partitions when it stores to files. */
export interface StationDraft {
  settings: Uint8Array;
  /** Partitions on disk (0 for a memory station, which has only its settings). */
  filePartitions: number;
}

/** Creates station `name` in `stationsDir`, all at once; a directory there without settings is an interrupted delete and is replaced. */
export async function buildStation(
  fs: FileSystem,
  stationsDir: string,
  name: string,
  draft: StationDraft,
): Promise<void> {
  const suffix = Math.random().toString(36).slice(2, 10);
  const aside = join(stationsDir, `${CREATING_PREFIX}${name}-${suffix}`);
  const at = stationLayout(aside);
  try {
    await fs.mkdir(aside);
    if (draft.filePartitions > 0) {
      await fs.mkdir(at.partitions);
      await forEachLimited(draft.filePartitions, BUILD_CONCURRENCY, (p) =>
        createFile(fs, at.partition(p), `${segmentName(0)}.log`),
      );
      await fs.syncDir(at.partitions);
      await fs.mkdir(at.deadLetters);
      await createFile(fs, at.deadLetterLog, `${segmentName(0)}.log`);
      await createFile(fs, at.deadLetterRemovals, journalName(1));
      await fs.syncDir(at.deadLetters);
      await fs.mkdir(at.groups);
    }
    await writeFileDurably(fs, at.settings, draft.settings);
    await fs.syncDir(aside);
    const target = join(stationsDir, name);
    await fs.rmdir(target);
    await fs.rename(aside, target);
    await fs.syncDir(stationsDir);
  } catch (e) {
    await fs.rmdir(aside).catch(() => undefined);
    throw e;
  }
}

/** Removes what creations cut short by a crash left behind. */
export async function removeUnfinished(fs: FileSystem, stationsDir: string): Promise<void> {
  for (const entry of await fs.readdir(stationsDir)) {
    if (entry.startsWith(CREATING_PREFIX)) await fs.rmdir(join(stationsDir, entry));
  }
}

/** An empty file in a new directory, both durable. */
async function createFile(fs: FileSystem, dir: string, name: string): Promise<void> {
  await fs.mkdir(dir);
  await (await fs.open(join(dir, name), 'create')).close();
  await fs.syncDir(dir);
}
