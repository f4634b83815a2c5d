/**
 * The filesystem seam of the storage engine: the few operations it needs,
 * so that tests can put a fault-injecting filesystem underneath (power loss,
 * ENOSPC, EIO) and prove what survives.
 */

export interface FileHandle {
  /** Writes all of `data` at `position`. */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Reads up to `length` bytes at `position` into `into[offset..]`; returns the bytes read. */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync: the written data (and the size) reach stable storage. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export type OpenMode =
  /** Read only; the file must exist. */
  | 'read'
  /** Read and write; created if missing. */
  | 'write'
  /** Read and write; fails with EEXIST if the file exists. */
  | 'create';

export interface FileSystem {
  open(path: string, mode: OpenMode): Promise<FileHandle>;
  /** Creates the directory and its parents. */
  mkdir(path: string): Promise<void>;
  /** Entry names; [] when the directory does not exist. */
  readdir(path: string): Promise<string[]>;
  /** Atomic replace. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes a directory tree; no error if it does not exist. */
  rmdir(path: string): Promise<void>;
  /** fsync of a directory: entries created, renamed or removed in it become durable. */
  syncDir(path: string): Promise<void>;
  /** Whole small file, or undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
}
