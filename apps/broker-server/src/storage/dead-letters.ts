/**
 * A station's dead-letter store, built from the engine's own parts: entries
 * are records of a partition log (the id is the offset), and removals are
 * the `done` marks of a group state over it, so both are durable and
 * recovered the same way as messages and cursors.
 */
import { decode, encode } from '@msgpack/msgpack';
import type { DeadLetterRecord, DeadLetterStore } from '../backend/types.js';
import { StorageError } from './errors.js';
import type { GroupStore, PartitionLog } from './types.js';

const ENTRIES = 0;

type Envelope = [
  group: string,
  partition: number,
  offset: number,
  timestamp: number,
  deadLetteredAt: number,
  deliveryCount: number,
  reason: string,
  payload: Uint8Array,
  headers: Record<string, string> | null,
  key: string | null,
  msgId: string | null,
];

function toRecord(id: number, bytes: Uint8Array): DeadLetterRecord {
  const e = decode(bytes) as Envelope;
  const record: DeadLetterRecord = {
    id,
    group: e[0],
    partition: e[1],
    offset: e[2],
    timestamp: e[3],
    deadLetteredAt: e[4],
    deliveryCount: e[5],
    reason: e[6],
    payload: e[7],
  };
  if (e[8] !== null) record.headers = e[8];
  if (e[9] !== null) record.key = e[9];
  if (e[10] !== null) record.msgId = e[10];
  return record;
}

export class DeadLetterLog implements DeadLetterStore {
  /** Live entries per group: counted on first ask (not at open, which stays fast), then kept. */
  private perGroup: Map<string, number> | undefined;
  private counting: Promise<Map<string, number>> | undefined;
  /** add and remove calls under way; the count waits for none to be, and they wait for it. */
  private busy = 0;
  private idle: (() => void)[] = [];

  private constructor(
    private readonly log: PartitionLog,
    private readonly removed: GroupStore,
  ) {}

  static async open(log: PartitionLog, removed: GroupStore): Promise<DeadLetterLog> {
    if (removed.state(ENTRIES) === undefined) {
      await removed.apply([{ op: 'init', partition: ENTRIES, cursor: log.bounds().first }]);
    }
    return new DeadLetterLog(log, removed);
  }

  add(entry: Omit<DeadLetterRecord, 'id'>): Promise<number> {
    return this.mutate(async () => {
      const id = await this.append(entry);
      this.adjust(entry.group, 1);
      return id;
    });
  }

  private async append(entry: Omit<DeadLetterRecord, 'id'>): Promise<number> {
    const envelope: Envelope = [
      entry.group,
      entry.partition,
      entry.offset,
      entry.timestamp,
      entry.deadLetteredAt,
      entry.deliveryCount,
      entry.reason,
      entry.payload,
      entry.headers ?? null,
      entry.key ?? null,
      entry.msgId ?? null,
    ];
    const { baseOffset } = await this.log.append([{ payload: encode(envelope) }]);
    return baseOffset;
  }

  async list(options: {
    after?: number;
    group?: string;
    limit: number;
    admit?: (entry: DeadLetterRecord) => boolean;
  }): Promise<{ entries: DeadLetterRecord[]; more: boolean }> {
    const state = this.state();
    const entries: DeadLetterRecord[] = [];
    let at = Math.max(state.cursor, (options.after ?? -1) + 1);
    while (at < this.log.bounds().next) {
      const records = await this.log.read(at, { maxRecords: 1000, maxBytes: 16 * 1024 * 1024 });
      if (records.length === 0) break;
      for (const r of records) {
        if (state.done.has(r.offset)) continue;
        const entry = toRecord(r.offset, r.payload);
        if (options.group !== undefined && entry.group !== options.group) continue;
        if (entries.length === options.limit || options.admit?.(entry) === false)
          return { entries, more: true };
        entries.push(entry);
      }
      at = (records[records.length - 1]?.offset ?? at) + 1;
    }
    return { entries, more: false };
  }

  async get(ids: number[]): Promise<DeadLetterRecord[]> {
    const state = this.state();
    const found: DeadLetterRecord[] = [];
    for (const id of new Set(ids)) {
      if (id < state.cursor || id >= this.log.bounds().next || state.done.has(id)) continue;
      const [record] = await this.log.read(id, { maxRecords: 1, maxBytes: 1 });
      if (record?.offset === id) found.push(toRecord(id, record.payload));
    }
    return found;
  }

  remove(ids: number[]): Promise<DeadLetterRecord[]> {
    return this.mutate(async () => {
      const read = await this.get(ids);
      // A concurrent remove of the same ids may have marked them while this one read: only
      // what is still live now (no await until the marks are applied) is this call's.
      const found = read.filter((r) => this.live(r.id));
      if (found.length > 0) {
        const applied = this.removed.apply(
          found.map((r) => ({ op: 'done', partition: ENTRIES, offset: r.id })),
        );
        for (const r of found) this.adjust(r.group, -1);
        await applied;
      }
      // Entries wholly below the cursor are gone for good; their segments can go too.
      await this.log.applyRetention({}, Date.now(), this.state().cursor);
      return found;
    });
  }

  async count(): Promise<number> {
    const state = this.state();
    return this.log.bounds().next - state.cursor - state.done.size;
  }

  /** Entries held per group (groups with none absent). */
  async countByGroup(): Promise<ReadonlyMap<string, number>> {
    if (this.perGroup !== undefined) return this.perGroup;
    this.counting ??= this.countAll().finally(() => {
      this.counting = undefined;
    });
    return this.counting;
  }

  private async countAll(): Promise<Map<string, number>> {
    while (this.busy > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    const counts = new Map<string, number>();
    const state = this.state();
    let at = state.cursor;
    // Only the group of each entry is kept: the scan holds one read's worth of payloads at most.
    while (at < this.log.bounds().next) {
      const records = await this.log.read(at, { maxRecords: 1000, maxBytes: 16 * 1024 * 1024 });
      if (records.length === 0) break;
      for (const r of records) {
        if (state.done.has(r.offset)) continue;
        const group = (decode(r.payload) as Envelope)[0];
        counts.set(group, (counts.get(group) ?? 0) + 1);
      }
      at = (records[records.length - 1]?.offset ?? at) + 1;
    }
    this.perGroup = counts;
    return counts;
  }

  /** Runs an add or remove once no count is under way, and keeps the count from starting. */
  private async mutate<T>(task: () => Promise<T>): Promise<T> {
    while (this.counting !== undefined && this.perGroup === undefined)
      await this.counting.catch(() => undefined);
    this.busy++;
    try {
      return await task();
    } finally {
      if (--this.busy === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private adjust(group: string, by: number): void {
    if (this.perGroup === undefined) return;
    const n = (this.perGroup.get(group) ?? 0) + by;
    if (n > 0) this.perGroup.set(group, n);
    else this.perGroup.delete(group);
  }

  private live(id: number): boolean {
    const state = this.state();
    return id >= state.cursor && !state.done.has(id);
  }

  private state() {
    const state = this.removed.state(ENTRIES);
    if (state === undefined)
      throw new StorageError('INTERNAL', 'the dead-letter store was not initialised');
    return state;
  }
}
