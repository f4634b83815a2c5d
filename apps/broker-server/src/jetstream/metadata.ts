/**
 * The broker's metadata on JetStream, in the stations bucket that every broker on the prefix
 * shares, under keys `m.…` beside the stations' `s.…` (one bucket: a broker's start creates or
 * binds one replicated stream, not two). A key's segments become tokens (names.ts) joined by
 * '.', KV's own separator, so a prefix is a subject filter; a create is the bucket's create,
 * which fails when another broker wrote the key first.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import type { MetadataRecord, MetadataStore } from '../backend/types.js';
import { jsError } from './errors.js';
import { fromToken, token } from './names.js';

const META = 'm.';
const kvKey = (key: string) => `${META}${key.split('/').map(token).join('.')}`;
const keyOf = (kvKey: string) => kvKey.slice(2).split('.').map(fromToken).join('/');
/** A prefix of whole segments (`schemas/`) as a filter of the keys under it. */
const filterOf = (prefix: string) => `${kvKey(prefix.replace(/\/$/, ''))}.>`;

export class JetStreamMetadata implements MetadataStore {
  private readonly listeners: { under: string; listener: (key: string, value: unknown) => void }[] =
    [];

  constructor(
    private readonly kv: KV,
    /** Starts the engine's watch of the bucket, which hands metadata entries to `changed`. */
    private readonly follow: () => void,
  ) {}

  async list(prefix: string): Promise<MetadataRecord[]> {
    try {
      const keys: string[] = [];
      for await (const key of await this.kv.keys(filterOf(prefix))) keys.push(key);
      const records: MetadataRecord[] = [];
      for (const key of keys.sort()) {
        const entry = await this.kv.get(key);
        if (entry !== null && entry.operation === 'PUT')
          records.push({ key: keyOf(key), value: entry.json() });
      }
      return records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    } catch (err) {
      throw jsError('the metadata could not be read', err);
    }
  }

  async get(key: string): Promise<unknown> {
    try {
      const entry = await this.kv.get(kvKey(key));
      return entry !== null && entry.operation === 'PUT' ? entry.json() : undefined;
    } catch (err) {
      throw jsError(`metadata ${key} could not be read`, err);
    }
  }

  async create(key: string, value: unknown): Promise<boolean> {
    try {
      await this.kv.create(kvKey(key), JSON.stringify(value));
      return true;
    } catch (err) {
      const existing = await this.kv.get(kvKey(key)).catch(() => null);
      if (existing !== null && existing.operation === 'PUT') return false;
      throw jsError(`metadata ${key} could not be written`, err);
    }
  }

  async put(key: string, value: unknown): Promise<void> {
    try {
      await this.kv.put(kvKey(key), JSON.stringify(value));
    } catch (err) {
      throw jsError(`metadata ${key} could not be written`, err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.kv.purge(kvKey(key));
    } catch (err) {
      throw jsError(`metadata ${key} could not be deleted`, err);
    }
  }

  watch(prefix: string, listener: (key: string, value: unknown) => void): void {
    this.listeners.push({ under: `${filterOf(prefix).slice(0, -1)}`, listener });
    this.follow();
  }

  /**
   * An entry of the bucket's watch (the engine's, shared with the stations): told to the
   * listeners of its key when it is metadata; false when it is not.
   */
  changed(entry: KvEntry): boolean {
    if (!entry.key.startsWith(META)) return false;
    const value = entry.operation === 'PUT' ? entry.json() : undefined;
    for (const { under, listener } of this.listeners)
      if (entry.key.startsWith(under)) listener(keyOf(entry.key), value);
    return true;
  }
}
