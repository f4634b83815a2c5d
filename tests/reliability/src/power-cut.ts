/**
 * One incarnation of a process on a simulated disk: power fails just before its n-th call
 * that changes the disk (a write, fdatasync, truncate, directory change or directory sync),
 * so the cut lands at an exact I/O point however appends interleave.
 * After the cut every call of the incarnation fails, as nothing of a dead process runs on;
 * a restart is a new incarnation on the same SimulatedFs.
 */
import type { FileHandle, FileSystem } from '@ferry/broker';
import type { SimulatedFs } from '@ferry/broker/testing';

export interface Incarnation {
  fs: FileSystem;
  /** Resolves when the power fails. */
  powerFailed: Promise<void>;
  readonly dead: boolean;
}

export function incarnation(
  sim: SimulatedFs,
  rng: () => number,
  opsBeforeCut: number,
): Incarnation {
  let countdown = opsBeforeCut;
  let dead = false;
  let cut: () => void = () => {};
  const powerFailed = new Promise<void>((resolve) => {
    cut = resolve;
  });
  const gone = () =>
    Promise.reject(Object.assign(new Error('EIO: the process lost power'), { code: 'EIO' }));
  /** Counts one mutating operation; true once the power is off. */
  const failing = () => {
    if (!dead && --countdown <= 0) {
      sim.crash(rng);
      dead = true;
      cut();
    }
    return dead;
  };
  const handle = (h: FileHandle): FileHandle => ({
    write: (data, position) => (failing() ? gone() : h.write(data, position)),
    datasync: () => (failing() ? gone() : h.datasync()),
    truncate: (length) => (failing() ? gone() : h.truncate(length)),
    read: (into, offset, length, position) =>
      dead ? gone() : h.read(into, offset, length, position),
    size: () => (dead ? gone() : h.size()),
    close: () => (dead ? gone() : h.close()),
  });
  const fs: FileSystem = {
    open: async (path, mode) => (dead ? gone() : handle(await sim.open(path, mode))),
    mkdir: (path) => (failing() ? gone() : sim.mkdir(path)),
    readdir: (path) => (dead ? gone() : sim.readdir(path)),
    rename: (from, to) => (failing() ? gone() : sim.rename(from, to)),
    unlink: (path) => (failing() ? gone() : sim.unlink(path)),
    rmdir: (path) => (failing() ? gone() : sim.rmdir(path)),
    syncDir: (path) => (failing() ? gone() : sim.syncDir(path)),
    readFile: (path) => (dead ? gone() : sim.readFile(path)),
  };
  return {
    fs,
    powerFailed,
    get dead() {
      return dead;
    },
  };
}
