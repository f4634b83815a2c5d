/** What the contract's tests share: the harness, fresh backends closed after each test, and small helpers. */
import type { Durability, MessageRef, StorageKind } from '@ferry/protocol';
import { afterEach } from 'vitest';
import type {
  AppendBatch,
  AppendRecord,
  Backend,
  Delivery,
  FetchOptions,
  GroupCursor,
  GroupCursorOptions,
  StationBackend,
  StationStoreConfig,
} from '../../../src/backend/types.js';

/** How the contract gets at one engine. */
export interface BackendHarness {
  /** The station storage the engine holds, and the contract's stations use. */
  storage: StorageKind;
  /** The durability the engine's file stations have (default always). */
  durability?: Durability;
  /** A fresh, empty backend. */
  open(): Promise<Backend>;
  /** The same backend again once `closed` was closed: durable engines only; restart tests need it. */
  reopen?(closed: Backend): Promise<Backend>;
}

export interface Fixture {
  readonly harness: BackendHarness;
  /** Whether the engine keeps its stations across a close (restart tests run only then). */
  readonly durable: boolean;
  /** A fresh backend, closed after the test. */
  backend(): Promise<Backend>;
  /** Closes `backend` and opens the same one again. */
  restart(backend: Backend): Promise<Backend>;
  /** A station config this engine takes; two partitions unless overridden. */
  config(overrides?: Partial<StationStoreConfig>): StationStoreConfig;
  /** Station 'orders' of a fresh backend. */
  station(overrides?: Partial<StationStoreConfig>): Promise<StationBackend>;
}

export function fixture(harness: BackendHarness): Fixture {
  const open = new Set<Backend>();
  afterEach(async () => {
    const backends = [...open];
    open.clear();
    await Promise.all(backends.map((b) => b.close()));
  });
  const track = (backend: Backend) => {
    open.add(backend);
    return backend;
  };
  const config = (overrides: Partial<StationStoreConfig> = {}): StationStoreConfig => ({
    partitions: 2,
    storage: harness.storage,
    durability: harness.storage === 'file' ? (harness.durability ?? 'always') : 'memory',
    flushIntervalMs: 100,
    dedupWindowMs: 60_000,
    ...overrides,
  });
  return {
    harness,
    durable: harness.reopen !== undefined,
    backend: async () => track(await harness.open()),
    async restart(backend) {
      if (harness.reopen === undefined) throw new Error('this harness cannot reopen a backend');
      open.delete(backend);
      await backend.close();
      return track(await harness.reopen(backend));
    },
    config,
    async station(overrides) {
      return (await this.backend()).openStation('orders', config(overrides));
    },
  };
}

export const bytes = (s: string) => new TextEncoder().encode(s);
export const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** A record to append and its partition, as the tests write them. */
export interface Placed {
  partition: number;
  record: AppendRecord;
}

/** The append batch of `placed`, in order. */
export function batch(placed: readonly Placed[]): AppendBatch {
  return { records: placed.map((p) => p.record), partitions: placed.map((p) => p.partition) };
}

/** Appends one record per payload to `partition`; resolves to their offsets. */
export async function put(
  station: StationBackend,
  partition: number,
  payloads: string[],
): Promise<number[]> {
  const { results } = await station.append(
    batch(payloads.map((p) => ({ partition, record: { payload: bytes(p) } }))),
  );
  return results.map((r) => {
    if (r.kind !== 'ok') throw r.error;
    return r.offset;
  });
}

export const everything: FetchOptions = { admit: () => true };
export const readAll = { maxRecords: 10_000, maxBytes: 1 << 30 };

/** Cursor options for the tests: from the earliest message, no timeout unless asked. */
export function group(overrides: Partial<GroupCursorOptions> = {}): GroupCursorOptions {
  return {
    start: { kind: 'earliest' },
    ackTimeoutMs: 60_000,
    maxDeliveries: 5,
    deadLetterEnabled: () => true,
    ...overrides,
  };
}

export const refOf = (d: Delivery): MessageRef => ({
  partition: d.partition,
  offset: d.offset,
});
export const offsets = (ds: Delivery[]) => ds.map((d) => d.offset);
export const at = (partition: number, offset: number): MessageRef => ({ partition, offset });

/** Polls `probe` until it gives something other than undefined; fails past the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  deadlineMs = 5_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Fetches until something is handed out (within 15 s: an election on a busy machine takes long). */
export function fetchSoon(cursor: GroupCursor, max = 100, options = everything) {
  return waitFor(
    'a delivery',
    async () => {
      const got = await cursor.fetch(max, options);
      return got.length > 0 ? got : undefined;
    },
    15_000,
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
