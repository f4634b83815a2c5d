/**
 * The embedded engines' own parts: partition logs and group stores, below the backend
 * interface (../backend/types.ts) that the broker's domain is written against.
 */
import type { Durability, StorageKind } from '@ferry/protocol';
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

/** How much one read returns; with both at least 1, one record is returned if any is readable. */
export interface ReadOptions {
  /** Most records returned. */
  maxRecords: number;
  /** Stop adding records once this many payload bytes were collected. */
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
  append(records: readonly AppendRecord[], retention?: RetentionPolicy): Promise<AppendResult>;
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
  /** The cursor moves forward to `cursor` (retention dropped what was below it). */
  | { op: 'seek'; partition: number; cursor: number }
  /** The cursor moves to `cursor`, either way, and nothing from it on is done or counted. */
  | { op: 'rewind'; partition: number; cursor: number };

/** A consumer group's durable state. */
export interface GroupStore {
  readonly name: string;
  /** The group's state for a partition, undefined until an init op. */
  state(partition: number): GroupPartitionState | undefined;
  /**
   * Applies the ops in memory and makes them durable; resolves per the station's durability,
   * or, when `lazy`, once written (made durable within the flush interval).
   */
  apply(ops: GroupOp[], lazy?: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface DedupEntry {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface StationStoreConfig {
  partitions: number;
  storage: StorageKind;
  durability: Durability;
  flushIntervalMs: number;
  dedupWindowMs: number;
  /** Copies of the data (jetstream: the streams' replicas); 1 when absent. */
  replicas?: number;
}
