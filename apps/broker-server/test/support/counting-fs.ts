import type { FileHandle, FileSystem } from '../../src/storage/fs/types.js';

/** Wraps a filesystem and counts the calls that cost a disk round trip. */
export function countingFs(inner: FileSystem): {
  fs: FileSystem;
  counts: { datasync: number; write: number; read: number };
} {
  const counts = { datasync: 0, write: 0, read: 0 };
  const wrap = (h: FileHandle): FileHandle => ({
    write: (data, position) => {
      counts.write++;
      return h.write(data, position);
    },
    read: (into, offset, length, position) => {
      counts.read++;
      return h.read(into, offset, length, position);
    },
    datasync: () => {
      counts.datasync++;
      return h.datasync();
    },
    truncate: (length) => h.truncate(length),
    size: () => h.size(),
    close: () => h.close(),
  });
  return {
    fs: { ...inner, open: async (path, mode) => wrap(await inner.open(path, mode)) },
    counts,
  };
}

/** Wraps a filesystem and counts the bytes read from each segment file and the index files read. */
export function segmentReads(inner: FileSystem): {
  fs: FileSystem;
  logBytes: Map<string, number>;
  indexReads: string[];
} {
  const logBytes = new Map<string, number>();
  const indexReads: string[] = [];
  const fs: FileSystem = {
    ...inner,
    async readFile(path) {
      if (path.endsWith('.idx')) indexReads.push(path);
      return inner.readFile(path);
    },
    async open(path, mode) {
      const h = await inner.open(path, mode);
      if (!path.endsWith('.log')) return h;
      return {
        write: (d, p) => h.write(d, p),
        datasync: () => h.datasync(),
        truncate: (l) => h.truncate(l),
        size: () => h.size(),
        close: () => h.close(),
        read: async (into, offset, length, position) => {
          const n = await h.read(into, offset, length, position);
          logBytes.set(path, (logBytes.get(path) ?? 0) + n);
          return n;
        },
      };
    },
  };
  return { fs, logBytes, indexReads };
}
