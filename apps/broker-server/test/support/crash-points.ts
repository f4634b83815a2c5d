import type { FileHandle, FileSystem } from '../../src/storage/fs/types.js';
import type { SimulatedFs } from '../../src/testing/simulated-fs.js';

/**
 * One incarnation of a process on a simulated disk: power fails just before
 * the n-th write, fdatasync or truncate from `crashAfter`, so crashes land at
 * exact, random I/O points however the I/O interleaves. After the crash this
 * incarnation is dead: every call fails, as nothing of a dead process runs on.
 * A new incarnation (a restarted process) is a new call.
 */
export function crashPoints(sim: SimulatedFs, rng: () => number) {
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
  const fs: FileSystem = {
    open: async (path, mode) => (dead ? gone() : wrap(await sim.open(path, mode))),
    mkdir: (path) => (dead ? gone() : sim.mkdir(path)),
    readdir: (path) => (dead ? gone() : sim.readdir(path)),
    rename: (from, to) => (dead ? gone() : sim.rename(from, to)),
    unlink: (path) => (dead ? gone() : sim.unlink(path)),
    rmdir: (path) => (dead ? gone() : sim.rmdir(path)),
    syncDir: (path) => (dead ? gone() : sim.syncDir(path)),
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
