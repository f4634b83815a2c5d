/**
 * The embedded engines' metadata stores: records in the broker's memory, and, for the file
 * engine, one file per record in the data directory's `metadata/`, written aside, fdatasynced
 * and renamed into place, so a crash leaves the old record or the new one and never half of one.
 * One broker owns a data directory (its lock), so the records in memory are the truth and a
 * create needs no more than a look at them.
 */
import { join } from 'node:path';
import type { MetadataRecord, MetadataStore } from '../backend/types.js';
import { StorageError } from './errors.js';
import type { FileSystem } from './fs/types.js';
import { writeFileDurably } from './fs/write-file.js';

/** A key's segments joined by '~', which no name may hold, so every key is one file name. */
const fileOf = (key: string) => `${key.replaceAll('/', '~')}.json`;
const keyOf = (file: string) => file.slice(0, -'.json'.length).replaceAll('~', '/');
const DRAFT = '.draft';

export class MemoryMetadataStore implements MetadataStore {
  protected readonly records = new Map<string, unknown>();

  async list(prefix: string): Promise<MetadataRecord[]> {
    return [...this.records]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value }));
  }

  async get(key: string): Promise<unknown> {
    return structuredClone(this.records.get(key));
  }

  async create(key: string, value: unknown): Promise<boolean> {
    if (this.records.has(key)) return false;
    await this.write(key, value);
    return true;
  }

  put(key: string, value: unknown): Promise<void> {
    return this.write(key, value);
  }

  async delete(key: string): Promise<void> {
    if (!this.records.has(key)) return;
    await this.remove(key);
    this.records.delete(key);
  }

  /** Kept once durable; the memory engine has nothing more to do. */
  protected async write(key: string, value: unknown): Promise<void> {
    this.records.set(key, structuredClone(value));
  }

  protected async remove(_key: string): Promise<void> {}
}

export class FileMetadataStore extends MemoryMetadataStore {
  /** Writes one at a time, so a create's look and its write are not split by another's. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
  ) {
    super();
  }

  static async open(fs: FileSystem, dataDir: string): Promise<FileMetadataStore> {
    const dir = join(dataDir, 'metadata');
    await fs.mkdir(dir);
    const store = new FileMetadataStore(fs, dir);
    for (const file of await fs.readdir(dir)) {
      if (file.endsWith(DRAFT)) {
        await fs.unlink(join(dir, file));
        continue;
      }
      if (!file.endsWith('.json')) continue;
      const bytes = await fs.readFile(join(dir, file));
      if (bytes === undefined) continue;
      try {
        store.records.set(keyOf(file), JSON.parse(new TextDecoder().decode(bytes)));
      } catch (cause) {
        throw new StorageError('STORAGE_FAILED', `metadata record ${file} is unreadable`, {
          cause,
        });
      }
    }
    return store;
  }

  override create(key: string, value: unknown): Promise<boolean> {
    return this.serial(() => super.create(key, value));
  }

  override put(key: string, value: unknown): Promise<void> {
    return this.serial(() => super.put(key, value));
  }

  override delete(key: string): Promise<void> {
    return this.serial(() => super.delete(key));
  }

  protected override async write(key: string, value: unknown): Promise<void> {
    const file = join(this.dir, fileOf(key));
    const draft = `${file}${DRAFT}`;
    await writeFileDurably(this.fs, draft, new TextEncoder().encode(JSON.stringify(value)));
    await this.fs.rename(draft, file);
    await this.fs.syncDir(this.dir);
    await super.write(key, value);
  }

  protected override async remove(key: string): Promise<void> {
    await this.fs.unlink(join(this.dir, fileOf(key)));
    await this.fs.syncDir(this.dir);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const done = this.queue.then(work, work);
    this.queue = done.catch(() => undefined);
    return done;
  }
}
