import type { FileSystem } from './types.js';

/** Replaces the content of `path` with `bytes` and fdatasyncs it. */
export function writeFileDurably(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  return replaceContent(fs, path, bytes, true);
}

/**
 * Replaces the content of `path` with `bytes`, leaving it to the page cache: for a file whose
 * reader checks it (a CRC, a size) and can do without it, so that a crash costs only time.
 */
export function writeFileCached(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  return replaceContent(fs, path, bytes, false);
}

async function replaceContent(
  fs: FileSystem,
  path: string,
  bytes: Uint8Array,
  sync: boolean,
): Promise<void> {
  const handle = await fs.open(path, 'write');
  try {
    await handle.truncate(0);
    await handle.write(bytes, 0);
    if (sync) await handle.datasync();
  } finally {
    await handle.close();
  }
}
