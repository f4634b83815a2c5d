/**
 * Opening a group's directory after a clean stop or a crash: the checkpoint,
 * then the journals from its seq on. Only the last journal's tail can be torn
 * (every earlier one was datasynced before the next was started), so a bad
 * record there is cut off, and one anywhere else is reported.
 */
import { join } from 'node:path';
import { ioError, StorageError } from './errors.js';
import type { FileHandle, FileSystem } from './fs/types.js';
import { decodeCheckpoint, scanJournal } from './group-journal.js';
import { GroupState } from './group-state.js';

const JOURNAL = /^journal-(\d{10})\.log$/;

export const journalName = (seq: number): string => `journal-${String(seq).padStart(10, '0')}.log`;

export interface RecoveredGroup {
  state: GroupState;
  /** The last journal, open for appending at `journalBytes`. */
  journal: FileHandle;
  seq: number;
  journalBytes: number;
  /** The oldest journal file left. */
  oldestSeq: number;
}

function corrupt(message: string): StorageError {
  return new StorageError('STORAGE_FAILED', message);
}

export async function recoverGroup(
  fs: FileSystem,
  dir: string,
  name: string,
): Promise<RecoveredGroup> {
  const what = `group ${name}`;
  let names: string[];
  let checkpoint: Uint8Array | undefined;
  try {
    names = await fs.readdir(dir);
    // An interrupted checkpoint: the journals it would have replaced are all still there.
    if (names.includes('checkpoint.tmp')) await fs.unlink(join(dir, 'checkpoint.tmp'));
    checkpoint = await fs.readFile(join(dir, 'checkpoint'));
  } catch (e) {
    throw ioError(`${what}: reading ${dir}`, e);
  }
  let state = new GroupState();
  let fromSeq = 1;
  if (checkpoint !== undefined) {
    ({ seq: fromSeq, state } = decodeCheckpoint(checkpoint, join(dir, 'checkpoint')));
  }
  const seqs = names
    .map((n) => JOURNAL.exec(n)?.[1])
    .filter((s) => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const live = seqs.filter((s) => s >= fromSeq);
  live.forEach((seq, i) => {
    if (seq !== fromSeq + i)
      throw corrupt(`${what}: ${join(dir, journalName(fromSeq + i))} is missing`);
  });
  try {
    // Left by a crash between a checkpoint and their deletion; already in the checkpoint.
    for (const s of seqs) if (s < fromSeq) await fs.unlink(join(dir, journalName(s)));
  } catch (e) {
    throw ioError(`${what}: deleting old journals`, e);
  }
  for (const seq of live.slice(0, -1)) {
    const path = join(dir, journalName(seq));
    const h = await openJournal(fs, path, 'read');
    try {
      const { end, size } = await replay(h, path, state);
      if (end !== size) throw corrupt(`${path}: corrupt record at byte ${end} of a sealed journal`);
    } finally {
      await h.close().catch(() => {});
    }
  }
  const seq = live.at(-1) ?? fromSeq;
  const path = join(dir, journalName(seq));
  const journal = await openJournal(fs, path, 'write');
  try {
    const { end, size } = await replay(journal, path, state);
    if (end !== size) {
      await journal.truncate(end);
      await journal.datasync();
    }
    // A journal this open created must be durable before anything in it is acknowledged.
    if (live.length === 0) await fs.syncDir(dir);
    return { state, journal, seq, journalBytes: end, oldestSeq: fromSeq };
  } catch (e) {
    await journal.close().catch(() => {});
    throw e instanceof StorageError ? e : ioError(`${what}: recovering ${path}`, e);
  }
}

async function replay(h: FileHandle, path: string, state: GroupState) {
  try {
    return await scanJournal(h, path, (ops) => {
      for (const op of ops) state.apply(op);
    });
  } catch (e) {
    throw e instanceof StorageError ? e : ioError(`reading ${path}`, e);
  }
}

async function openJournal(
  fs: FileSystem,
  path: string,
  mode: 'read' | 'write',
): Promise<FileHandle> {
  try {
    return await fs.open(path, mode);
  } catch (e) {
    throw ioError(`opening ${path}`, e);
  }
}
