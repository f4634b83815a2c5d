import {
  constants,
  mkdir,
  type FileHandle as NodeHandle,
  open,
  readdir,
  readFile,
  rename,
  rm,
  unlink,
} from 'node:fs/promises';
import type { FileHandle, FileSystem, OpenMode } from './types.js';

/** Stored messages are for the broker's user alone [SEC-4]; an explicit mode is only narrowed by the umask. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const FLAGS: Record<OpenMode, number> = {
  read: constants.O_RDONLY,
  write: constants.O_RDWR | constants.O_CREAT,
  create: constants.O_RDWR | constants.O_CREAT | constants.O_EXCL,
};

class NodeFileHandle implements FileHandle {
  constructor(private readonly fh: NodeHandle) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }

  async read(into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(into, offset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  datasync(): Promise<void> {
    return this.fh.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.fh.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** The real filesystem. */
export const nodeFs: FileSystem = {
  async open(path, mode) {
    return new NodeFileHandle(await open(path, FLAGS[mode], FILE_MODE));
  },
  async mkdir(path) {
    await mkdir(path, { recursive: true, mode: DIR_MODE });
  },
  async readdir(path) {
    try {
      return await readdir(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  },
  rename,
  unlink,
  async rmdir(path) {
    await rm(path, { recursive: true, force: true });
  },
  async syncDir(path) {
    const fh = await open(path, constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  async readFile(path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  },
};
