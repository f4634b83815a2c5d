/**
 * The backend interface: what the broker's domain (stations, produce, groups) is written
 * against, at the level of stations and groups and asynchronous throughout, so an engine that
 * keeps its state elsewhere (NATS JetStream: streams, durable consumers, a KV bucket) can
 * implement it as well as the embedded engines do. Its contract is one shared test suite
 * (test/backend/contract.ts) that every engine runs.
 *
 * The backend holds messages, group cursors with what is in flight (delivery counts, ack
 * timeouts, delays, max deliveries), dedup, metadata and dead letters. Membership, credit and
 * fan-out stay in the broker above it.
 */
import type {
  DeadLetterEntry,
  DeliveredMessage,
  Durability,
  MessageRef,
  StartPosition,
} from '@ferry/protocol';
import type {
  AppendRecord,
  PartitionBounds,
  ReadOptions,
  RetentionPolicy,
  StationStoreConfig,
  StoredRecord,
} from '../storage/types.js';

export type {
  AppendRecord,
  PartitionBounds,
  ReadOptions,
  RetentionPolicy,
  StationStoreConfig,
  StoredRecord,
} from '../storage/types.js';

/** The engines a broker can run on (`storage.engine`). */
export const ENGINE_KINDS = ['file', 'memory', 'jetstream'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/** A message given up on, as a station's dead-letter store keeps it. */
export type DeadLetterRecord = DeadLetterEntry;

/**
 * What one append writes: the records in the producer's order and, for each, the partition the
 * broker chose. Parallel arrays rather than a wrapper per record, so that a produce of a thousand
 * messages allocates nothing per message before storage encodes it.
 */
export interface AppendBatch {
  records: readonly AppendRecord[];
  /** `partitions[i]` is the partition of `records[i]`. */
  partitions: readonly number[];
}

/** What became of one record of an append, in the order given. */
export type AppendedRecord =
  | {
      kind: 'ok';
      partition: number;
      offset: number;
      /** Its msgId was seen within the dedup window: nothing was written, the original's offset is given. */
      duplicate: boolean;
    }
  | { kind: 'error'; error: unknown };

export interface AppendOutcome {
  /** The durability the written records got (the station's setting when nothing was written). */
  durability: Durability;
  results: AppendedRecord[];
}

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
  count(): Promise<number>;
  /** Entries held per group; a group with none is absent. */
  countByGroup(): Promise<ReadonlyMap<string, number>>;
}

/** How a group's cursor behaves; `start` applies only when the group is created. */
export interface GroupCursorOptions {
  start?: StartPosition;
  /** A delivery not settled within this time is redelivered. */
  ackTimeoutMs: number;
  /** Deliveries after which a message is dead-lettered rather than redelivered. */
  maxDeliveries: number;
  /** Whether messages given up on go to the station's dead-letter store (asked each time). */
  deadLetterEnabled: () => boolean;
}

/**
 * A message handed out by a group cursor, in flight until settled or its ack timeout: the
 * stored record with its partition and its deliveries so far, this one included. It has the
 * shape a member receives, so nothing is copied on the way.
 */
export type Delivery = DeliveredMessage;

export interface FetchOptions {
  /** Asked for each message in turn; the fetch ends before the first it refuses (one always goes). */
  admit: (record: StoredRecord) => boolean;
  /** Only messages of the partitions it accepts. */
  accepts?: (partition: number) => boolean;
}

export interface GroupCounts {
  /** Messages in flight. */
  pending: number;
  /** Messages not yet delivered: new ones and those waiting for redelivery. */
  lag: number;
  /** Dead letters resent to the group and not yet settled. */
  resent: number;
}

/** Where a group stands, in detail: what groupInfo reports beyond its counts. [GROUP-3] */
export interface GroupDetail {
  /** Messages waiting to be delivered again (part of the lag). */
  redeliveries: number;
  /** Per partition, in partition order. */
  partitions: { partition: number; cursor: number; lag: number; inFlight: number }[];
}

/**
 * A consumer group's cursor: it hands out deliveries in offset order per partition
 * (redeliveries due first) and takes their settlements. What is not settled within the ack
 * timeout comes back; after maxDeliveries a message is dead-lettered instead.
 */
export interface GroupCursor {
  readonly name: string;
  readonly options: Readonly<Omit<GroupCursorOptions, 'start'>>;
  /** Up to `max` messages, in flight from now on; the delivery is durable before it resolves. */
  fetch(max: number, options: FetchOptions): Promise<Delivery[]>;
  /** Settles messages in flight; resolves to those that were not in flight. */
  ack(refs: MessageRef[]): Promise<MessageRef[]>;
  /** Redeliverable now or after `delayMs`; dead-lettered once maxDeliveries is reached. */
  nack(refs: MessageRef[], delayMs: number): Promise<MessageRef[]>;
  deadLetter(refs: MessageRef[], reason: string): Promise<MessageRef[]>;
  /**
   * Deliveries whose consumer went away before settling them: redeliverable at once, or
   * dead-lettered (their last delivery ended too) after maxDeliveries.
   */
  release(refs: MessageRef[]): void;
  /**
   * The group has no member on this broker until the next fetch: a backend shared by brokers
   * gives back at once what it pulled for them, so that another broker may deliver it.
   */
  idle?(): void;
  /** Dead letters to deliver again to this group, counted from a first delivery. */
  resend(entries: DeadLetterRecord[]): void;
  /**
   * Moves the group's cursor of `partition` to `cursor`, back or forward, durably: offsets below
   * it are done, those from it on are delivered (again) from a count of 1, and what was in
   * flight or waiting for redelivery in the partition is dropped (a later settle of it is
   * not pending). [GROUP-5]
   */
  seek(partition: number, cursor: number): Promise<void>;
  /**
   * Called when the group may have something new to deliver: ack timeouts passed (with the
   * refs no longer in flight), delays ended, records became readable.
   */
  onWake(listener: (expired: MessageRef[]) => void): void;
  /**
   * Called with the number of messages the cursor itself gave up on after maxDeliveries (a
   * nack, an ack timeout, or their member leaving), once each is in the dead-letter store (or
   * dropped, when the station keeps none); a member's own deadLetter is not among them.
   */
  onDeadLettered(listener: (count: number) => void): void;
  counts(): Promise<GroupCounts>;
  /** The counts by partition, and the redeliveries waiting. */
  detail(): Promise<GroupDetail>;
  /** Every offset below it is done in `partition` (undefined before the group has it). */
  cursor(partition: number): Promise<number | undefined>;
  /** Stops handing out; what is in flight stays journaled as delivered. */
  close(): Promise<void>;
}

/** One station: its partitions, groups, dedup, metadata and dead letters. */
export interface StationBackend {
  readonly name: string;
  readonly config: StationStoreConfig;
  /** When the station was created (ms since the epoch). */
  readonly createdAt: number;
  /** The domain's own settings for the station (JSON), kept with it. */
  readonly settings: unknown;
  /** Replaces the settings durably. */
  saveSettings(settings: unknown): Promise<void>;
  /**
   * Appends the records; a record with a msgId seen within the dedup window (or written by a
   * concurrent append) is not written again. Resolves once what was written is as durable as
   * the station requires. The maxMessages and maxBytes of `retention` apply as part of it.
   */
  append(batch: AppendBatch, retention?: RetentionPolicy): Promise<AppendOutcome>;
  read(partition: number, offset: number, options: ReadOptions): Promise<StoredRecord[]>;
  bounds(partition: number): Promise<PartitionBounds>;
  /** The first offset of `partition` appended at or after `timestamp` (its next offset if none). */
  offsetForTimestamp(partition: number, timestamp: number): Promise<number>;
  /**
   * Drops what the policy no longer keeps from every partition; with `ackBased`, also what
   * every group has done. Returns the records dropped per partition.
   */
  applyRetention(policy: RetentionPolicy, now: number, ackBased: boolean): Promise<number[]>;
  /**
   * Drops the messages of `partition` (or of every partition) below `below` (all of them when
   * absent), as retention does [LIMITS-8]. Returns the records dropped per partition.
   */
  purge(partition: number | undefined, below: number | undefined): Promise<number[]>;
  /** The names of the station's groups, in name order. */
  groups(): Promise<string[]>;
  /** Opens a group's cursor, creating the group at `options.start` if it is new. */
  openGroup(name: string, options: GroupCursorOptions): Promise<GroupCursor>;
  /** Closes a group's cursor and removes the group durably; nothing if it does not exist. */
  deleteGroup(name: string): Promise<void>;
  readonly deadLetters: DeadLetterStore;
  close(): Promise<void>;
}

/** A change to the stations made by another broker on the same backend. */
export type StationChange =
  /** Created, or its settings saved: the station with what was saved. */
  { kind: 'saved'; name: string; station: StationBackend } | { kind: 'deleted'; name: string };

/** A record of the broker's metadata beyond stations (the schema registry), and its key. */
export interface MetadataRecord {
  key: string;
  value: unknown;
}

/**
 * The broker's metadata beyond stations: JSON records under keys of name-rule segments joined
 * by '/' (`schemas/orders/2`). Writes are durable before they resolve.
 */
export interface MetadataStore {
  /** The records whose key starts with `prefix` (whole segments, ending in '/'), in key order. */
  list(prefix: string): Promise<MetadataRecord[]>;
  /** The record's value, or undefined when there is none. */
  get(key: string): Promise<unknown>;
  /** Writes the record only if none has its key; false when one has (also one another broker wrote). */
  create(key: string, value: unknown): Promise<boolean>;
  /** Writes the record, replacing any. */
  put(key: string, value: unknown): Promise<void>;
  /** Removes the record; nothing if there is none. */
  delete(key: string): Promise<void>;
  /**
   * Tells of records under `prefix` written or deleted through other brokers (value undefined),
   * for a backend shared by several; the embedded engines have none.
   */
  watch?(prefix: string, listener: (key: string, value: unknown) => void): void;
}

/** A storage backend: the stations it holds. */
export interface Backend {
  readonly kind: EngineKind;
  /** The broker's metadata beyond stations. */
  readonly metadata: MetadataStore;
  /**
   * Tells of stations created, saved or deleted through other brokers, for a backend shared by
   * several (jetstream); the embedded engines belong to one broker and have none.
   */
  watch?(listener: (change: StationChange) => void): void;
  /**
   * Opens a station, creating it with `config` and `settings` if it does not exist; an
   * existing station keeps what it was created with.
   */
  openStation(
    name: string,
    config: StationStoreConfig,
    settings?: unknown,
  ): Promise<StationBackend>;
  /** Names of the stations held. */
  listStations(): Promise<string[]>;
  deleteStation(name: string): Promise<void>;
  close(): Promise<void>;
}
