/**
 * The storage interface the messaging layer is written against. The embedded
 * file engine and the memory engine implement it; a later backend (NATS
 * JetStream) implements the same semantics.
 */
import type { DeadLetterEntry, Durability, StorageKind } from '@ferry/protocol';
import { StorageError } from './errors.js';

/** The durability modes of data on disk ('memory' is what memory stations report). */
export type DiskDurability = Exclude<Durability, 'memory'>;

/** The durability of a file station's data; memory is never a setting of one. */
export function diskDurability(durability: Durability): DiskDurability {
  if (durability === 'memory')
    throw new StorageError('INVALID_CONFIG', 'durability memory is not a setting');
  return durability;
}

/** A message as the producer hands it to storage. */
export interface AppendRecord {
  payload: Uint8Array;
  headers?: Record<string, string>;
  key?: string;
  msgId?: string;
}

/** A message as storage holds it: its offset and append time added. */
export interface StoredRecord extends AppendRecord {
  offset: number;
  timestamp: number;
}

export interface AppendResult {
  /** Offset of the first record; the others follow consecutively. */
  baseOffset: number;
  /** Append time given to every record of the batch (ms since the epoch). */
  timestamp: number;
  /** What was done before the promise resolved. */
  durability: Durability;
}

export interface ReadOptions {
  /** Most records returned (at least one is returned if any is readable). */
  maxRecords: number;
  /** Stop adding records once this many payload bytes were collected (at least one record is returned). */
  maxBytes: number;
}

export interface PartitionBounds {
  /** Oldest retained offset (equal to next when the partition is empty). */
  first: number;
  /** Offset the next record will get. */
  next: number;
  /** Bytes of the records from `first` on, as they take in the log (see recordLogBytes). */
  bytes: number;
}

export interface RetentionPolicy {
  maxAgeMs?: number;
  maxMessages?: number;
  maxBytes?: number;
}

export interface PartitionLogOptions {
  durability: DiskDurability;
  /** With durability 'interval': the longest time between fdatasyncs. */
  flushIntervalMs: number;
  /** Roll the active segment once it is this large. */
  segmentBytes: number;
  /** Roll the active segment once it is this old. */
  segmentMs: number;
  /** Bound on bytes accepted and not yet written; appends beyond it fail with OVERLOADED. */
  maxPendingBytes: number;
}

/** One partition's append-only log. */
export interface PartitionLog {
  readonly partition: number;
  /**
   * Appends the records as one batch; resolves once they are as durable as the
   * log's durability mode requires. Never resolves for data that was not written.
   * The maxMessages and maxBytes of `retention` apply as part of the append: once it
   * resolves, the first offset has moved as they say [LIMITS-8].
   */
  append(records: AppendRecord[], retention?: RetentionPolicy): Promise<AppendResult>;
  /** Records from `offset` on that are durable; empty at the end of the log. */
  read(offset: number, options: ReadOptions): Promise<StoredRecord[]>;
  /** The first offset whose timestamp is at or after `timestamp` (the next offset if none). */
  offsetForTimestamp(timestamp: number): Promise<number>;
  bounds(): PartitionBounds;
  /**
   * Moves the first offset past the records the policy no longer keeps, and
   * those below `deleteBelow` (the lowest cursor of all groups, for ack-based
   * retention), to the record [LIMITS-8]; storage they held is freed (segment
   * files once wholly below it). Returns the number of records dropped.
   */
  applyRetention(policy: RetentionPolicy, now: number, deleteBelow?: number): Promise<number>;
  close(): Promise<void>;
}

/** Per group, per partition: where the group is and what is in flight. */
export interface GroupPartitionState {
  /** Every offset below the cursor is done (acknowledged or dead-lettered). */
  cursor: number;
  /** Offsets at or above the cursor that are done. */
  done: Set<number>;
  /** Deliveries made so far, per offset not yet done. */
  deliveries: Map<number, number>;
  /** Offsets not to be redelivered before the given time (ms since the epoch). */
  delayedUntil: Map<number, number>;
}

/** A change to a group's state; journaled before it is acknowledged. */
export type GroupOp =
  | { op: 'init'; partition: number; cursor: number }
  | { op: 'deliver'; partition: number; offset: number }
  | { op: 'done'; partition: number; offset: number }
  | { op: 'delay'; partition: number; offset: number; until: number }
  | { op: 'seek'; partition: number; cursor: number };

/** A consumer group's durable state. */
export interface GroupStore {
  readonly name: string;
  /** The group's state for a partition, undefined until an init op. */
  state(partition: number): GroupPartitionState | undefined;
  /** Applies the ops in memory and makes them durable; resolves per the station's durability. */
  apply(ops: GroupOp[]): Promise<void>;
  close(): Promise<void>;
}

export interface DedupEntry {
  partition: number;
  offset: number;
  timestamp: number;
}

/** A message a consumer group gave up on, as the station's dead-letter store keeps it (the wire's entry). */
export type DeadLetterRecord = DeadLetterEntry;

/** A station's dead-letter store: entries are added, listed, and removed (resent or dropped). */
export interface DeadLetterStore {
  /** Adds an entry durably (per the station's durability); resolves to its id. */
  add(entry: Omit<DeadLetterRecord, 'id'>): Promise<number>;
  /**
   * Entries in id order after `after`, optionally only those of one group, at most `limit`;
   * `admit` (the caller's byte budget) is asked for each in turn, and the page ends before the
   * first it refuses.
   */
  list(options: {
    after?: number;
    group?: string;
    limit: number;
    admit?: (entry: DeadLetterRecord) => boolean;
  }): Promise<{ entries: DeadLetterRecord[]; more: boolean }>;
  /** The entries with these ids that exist. */
  get(ids: number[]): Promise<DeadLetterRecord[]>;
  /** Removes the entries with these ids durably and returns the ones that existed. */
  remove(ids: number[]): Promise<DeadLetterRecord[]>;
  /** Entries held. */
  count(): number;
}

export interface StationStoreConfig {
  partitions: number;
  storage: StorageKind;
  durability: Durability;
  flushIntervalMs: number;
  dedupWindowMs: number;
}

/** A station's partitions, groups and dedup index. */
export interface StationStore {
  readonly name: string;
  readonly config: StationStoreConfig;
  /** When the station was created (ms since the epoch). */
  readonly createdAt: number;
  /** The messaging layer's own settings for the station (JSON), kept with it. */
  readonly settings: unknown;
  /** Replaces the settings durably. */
  saveSettings(settings: unknown): Promise<void>;
  partition(index: number): PartitionLog;
  /** Opens (creating if new) a consumer group's state. */
  group(name: string): Promise<GroupStore>;
  groups(): string[];
  /** Closes a consumer group's state and removes it durably; nothing if it does not exist. */
  deleteGroup(name: string): Promise<void>;
  /** The original of a msgId seen within the dedup window. */
  dedupLookup(msgId: string, now: number): DedupEntry | undefined;
  dedupRemember(msgId: string, entry: DedupEntry): void;
  /** The station's dead-letter store. */
  readonly deadLetters: DeadLetterStore;
  close(): Promise<void>;
}

export interface StorageEngine {
  /**
   * Opens a station, creating it with `config` and `settings` if it does not
   * exist; an existing station keeps what it was created with.
   */
  openStation(name: string, config: StationStoreConfig, settings?: unknown): Promise<StationStore>;
  /** Names of the stations on disk. */
  listStations(): Promise<string[]>;
  deleteStation(name: string): Promise<void>;
  close(): Promise<void>;
}
