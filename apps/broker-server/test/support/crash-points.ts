import type { FileHandle, FileSystem } from '../../src/storage/fs/types.js';
import type { SimulatedFs } from '../../src/testing/simulated-fs.js';

export interface CrashPointOptions {
  /** Crash at directory operations too (open, mkdir, rename, unlink, rmdir, syncDir), not only at data writes. */
  metadata?: boolean;
}

/**
 * One incarnation of a process on a simulated disk: power fails just before
 * the n-th write, fdatasync or truncate from `crashAfter` (and, with
 * `metadata`, directory operation), so crashes land at exact, random I/O
 * points however the I/O interleaves. After the crash this incarnation is
 * dead: every call fails, as nothing of a dead process runs on. A new
 * incarnation (a restarted process) is a new call.
 */
export function crashPoints(sim: SimulatedFs, rng: () => number, options: CrashPointOptions = {}) {
  let countdown = Number.POSITIVE_INFINITY;
  let dead = false;
  let onCrash: () => void = () => {};
  const gone = () =>
    Promise.reject(Object.assign(new Error('EIO: the process lost power'), { code: 'EIO' }));
  const maybeCrash = () => {
    if (--countdown === 0) {
      sim.crash(rng);
      dead = true;
      onCrash();
    }
    return dead;
  };
  const wrap = (h: FileHandle): FileHandle => ({
    write: (data, position) => (maybeCrash() ? gone() : h.write(data, position)),
    datasync: () => (maybeCrash() ? gone() : h.datasync()),
    truncate: (length) => (maybeCrash() ? gone() : h.truncate(length)),
    read: (into, offset, length, position) =>
      dead ? gone() : h.read(into, offset, length, position),
    size: () => (dead ? gone() : h.size()),
    close: () => (dead ? gone() : h.close()),
  });
  const stop = () => (options.metadata ? maybeCrash() : dead);
  const fs: FileSystem = {
    open: async (path, mode) => (stop() ? gone() : wrap(await sim.open(path, mode))),
    mkdir: (path) => (stop() ? gone() : sim.mkdir(path)),
    readdir: (path) => (dead ? gone() : sim.readdir(path)),
    rename: (from, to) => (stop() ? gone() : sim.rename(from, to)),
    unlink: (path) => (stop() ? gone() : sim.unlink(path)),
    rmdir: (path) => (stop() ? gone() : sim.rmdir(path)),
    syncDir: (path) => (stop() ? gone() : sim.syncDir(path)),
    readFile: (path) => (dead ? gone() : sim.readFile(path)),
  };
  return {
    fs,
    /** Resolves when power has failed at the `ops`-th disk operation from now. */
    crashAfter(ops: number): Promise<void> {
      countdown = ops;
      return new Promise((resolve) => {
        onCrash = resolve;
      });
    },
  };
}
