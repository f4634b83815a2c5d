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
