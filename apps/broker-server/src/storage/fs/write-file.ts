import type { FileSystem } from './types.js';

/** Replaces the content of `path` with `bytes` and fdatasyncs it. */
export async function writeFileDurably(
  fs: FileSystem,
  path: string,
  bytes: Uint8Array,
): Promise<void> {
  const handle = await fs.open(path, 'write');
  try {
    await handle.truncate(0);
    await handle.write(bytes, 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
