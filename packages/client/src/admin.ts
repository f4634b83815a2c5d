/** Station and dead-letter administration: plain request/reply calls. */
import type { DeadLetterEntry, SchemaMode, StationConfig, StationInfo } from '@ferry/protocol';
import {
  type BrowseAllOptions,
  BrowsedMessage,
  type BrowseOptions,
  type BrowsePage,
  codecOf,
  millis,
  startFields,
} from './browse.js';
import type { Connection } from './connection.js';

/** Options every waiting call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export function call(options: CallOptions): CallOptions {
  return {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
}

export interface ListStationsOptions extends CallOptions {
  /** Only stations whose name starts with this. */
  prefix?: string;
  /** Names per request (the broker caps it at maxListItems). */
  pageSize?: number;
}

/** What {@link Stations.purge} drops. */
export interface PurgeOptions extends CallOptions {
  /** Only this partition (default: every one). */
  partition?: number;
  /** Only the messages below this offset (default: all of them). */
  below?: number;
}

/** How {@link Stations.attachSchema} attaches a schema. */
export interface AttachSchemaOptions extends CallOptions {
  /** Validate against this version (default: the schema's latest at each produce batch). */
  version?: number;
  /**
   * What becomes of a message that fails validation (SCHEMA-6): `'reject'` (the default) refuses
   * it with `SCHEMA_VIOLATION`; `'deadletter'` keeps it in the station's dead-letter store
   * (group `$schema`, never delivered) and its produce still fails, with the entry's
   * `deadLetterId` on the {@link SchemaViolationError}.
   */
  mode?: SchemaMode;
}

/** Create, inspect, change and delete stations. */
export class Stations {
  /** @internal Use `client.stations` / `client.deadLetters`. */
  constructor(private readonly conn: Connection) {}

  /** Creates a station; creating one that exists with the same settings is a no-op. */
  async create(
    name: string,
    config?: StationConfig,
    options: CallOptions = {},
  ): Promise<StationInfo> {
    const frame =
      config === undefined
        ? { type: 'stationCreate' as const, id: 0, name }
        : { type: 'stationCreate' as const, id: 0, name, config };
    return (await this.conn.request(frame, call(options))).info;
  }

  /** The station's settings, partitions, groups and dead-letter count. */
  async info(name: string, options: CallOptions = {}): Promise<StationInfo> {
    return (await this.conn.request({ type: 'stationInfo', id: 0, name }, call(options))).info;
  }

  /** Changes the settings that may change after creation (retention, dead letters, group defaults). */
  async update(
    name: string,
    config: StationConfig,
    options: CallOptions = {},
  ): Promise<StationInfo> {
    return (await this.conn.request({ type: 'stationUpdate', id: 0, name, config }, call(options)))
      .info;
  }

  /**
   * Attaches a schema to the station (SCHEMA-4), replacing any it had: from the next produce
   * batch on, each message is validated against it before it is stored, and stored messages
   * carry the headers `ferry-schema` and `ferry-schema-version`. Resolves to the station's info,
   * whose `schema` shows the attachment; an unknown schema or version fails with
   * `SCHEMA_NOT_FOUND`.
   *
   * ```ts
   * await client.stations.attachSchema('orders', 'orders', { version: 2, mode: 'deadletter' });
   * ```
   */
  async attachSchema(
    station: string,
    schema: string,
    options: AttachSchemaOptions = {},
  ): Promise<StationInfo> {
    const frame = {
      type: 'schemaAttach' as const,
      id: 0,
      station,
      schema,
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.mode === undefined ? {} : { mode: options.mode }),
    };
    return (await this.conn.request(frame, call(options))).info;
  }

  /** Removes the station's schema: produced messages are no longer validated. Resolves to its info. */
  async detachSchema(station: string, options: CallOptions = {}): Promise<StationInfo> {
    return (await this.conn.request({ type: 'schemaDetach', id: 0, station }, call(options))).info;
  }

  /** Deletes the station with its messages, groups and dead letters. */
  async delete(name: string, options: CallOptions = {}): Promise<void> {
    await this.conn.request({ type: 'stationDelete', id: 0, name }, call(options));
  }

  /**
   * Drops the station's messages, of one partition or of all, below `options.below` (all of
   * them by default), as retention does; groups continue from what is left (PURGE-1). Resolves
   * to the number of messages dropped.
   *
   * ```ts
   * await client.stations.purge('orders');                              // everything
   * await client.stations.purge('orders', { partition: 2, below: 1000 }); // offsets 0..999 of partition 2
   * ```
   */
  async purge(name: string, options: PurgeOptions = {}): Promise<number> {
    const reply = await this.conn.request(
      {
        type: 'stationPurge',
        id: 0,
        name,
        ...(options.partition === undefined ? {} : { partition: options.partition }),
        ...(options.below === undefined ? {} : { below: options.below }),
      },
      call(options),
    );
    return reply.count ?? 0;
  }

  /**
   * One page of a partition's messages, read without a consumer group: no group's position or
   * in-flight state changes (BROWSE-1). It starts at `options.offset`, at the first message
   * stored at or after `options.timestamp`, or at the first retained message, and sees what
   * groups see (with durability `always`, only durable messages). Fails with
   * `STATION_NOT_FOUND`, or `PARTITION_OUT_OF_RANGE` for a partition the station lacks.
   *
   * ```ts
   * let page = await client.stations.browse('orders', 0, { maxMessages: 100 });
   * while (page.next < page.end) page = await client.stations.browse('orders', 0, { offset: page.next });
   * ```
   */
  async browse<T = Uint8Array>(
    station: string,
    partition: number,
    options: BrowseOptions<T> = {},
  ): Promise<BrowsePage<T>> {
    const reply = await this.conn.request(
      {
        type: 'browse',
        id: 0,
        station,
        partition,
        ...(options.offset === undefined ? {} : { offset: options.offset }),
        ...(options.timestamp === undefined ? {} : { timestamp: millis(options.timestamp) }),
        ...(options.maxMessages === undefined ? {} : { maxMessages: options.maxMessages }),
        ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
      },
      call(options),
    );
    const codec = codecOf(options);
    return {
      messages: reply.messages.map(
        (stored) => new BrowsedMessage(station, reply.partition, stored, codec),
      ),
      next: reply.next,
      end: reply.end,
    };
  }

  /**
   * Every message of a partition from `options.from` (default the first retained) to its end,
   * in offset order, fetched a page at a time with {@link Stations.browse}. It stops at the end
   * the **first** page reported, so it finishes even while producers keep appending; start
   * again from the last offset + 1 to read what came since. Nothing waits for new messages.
   *
   * ```ts
   * for await (const message of client.stations.browseAll('orders', 0, { from: new Date(Date.now() - 3_600_000) }))
   *   console.log(message.offset, message.text());
   * ```
   */
  async *browseAll<T = Uint8Array>(
    station: string,
    partition: number,
    options: BrowseAllOptions<T> = {},
  ): AsyncGenerator<BrowsedMessage<T>> {
    const { from, until: _until, ...read } = options;
    let start: BrowseOptions<T> = { ...read, ...startFields(from) };
    let stop: number | undefined;
    for (;;) {
      const page = await this.browse<T>(station, partition, start);
      stop ??= page.end;
      for (const message of page.messages) {
        if (message.offset >= stop) return;
        yield message;
      }
      // An empty page cannot advance (nothing visible yet, e.g. not durable): stop rather than spin.
      if (page.next >= stop || page.messages.length === 0) return;
      start = { ...read, offset: page.next };
    }
  }

  /** Every station (or those with `prefix`), in name order, fetched a page at a time. */
  async *list(options: ListStationsOptions = {}): AsyncGenerator<StationInfo> {
    let after: string | undefined;
    for (;;) {
      const page = await this.conn.request(
        {
          type: 'stationList',
          id: 0,
          ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
          ...(after === undefined ? {} : { after }),
          ...(options.pageSize === undefined ? {} : { limit: options.pageSize }),
        },
        call(options),
      );
      yield* page.stations;
      const last = page.stations.at(-1);
      if (!page.more || last === undefined) return;
      after = last.name;
    }
  }
}

export interface ListDeadLettersOptions extends CallOptions {
  /** Only entries dead-lettered by this group. */
  group?: string;
  /** Entries per request (the broker caps it at maxListItems). */
  pageSize?: number;
}

/** A station's dead-letter store: list, resend to the failing group, drop. */
export class DeadLetters {
  /** @internal Use `client.stations` / `client.deadLetters`. */
  constructor(private readonly conn: Connection) {}

  /** Every entry of the station's store (or of one group), in id order, a page at a time. */
  async *list(
    station: string,
    options: ListDeadLettersOptions = {},
  ): AsyncGenerator<DeadLetterEntry> {
    let after: number | undefined;
    for (;;) {
      const page = await this.conn.request(
        {
          type: 'dlsList',
          id: 0,
          station,
          ...(options.group === undefined ? {} : { group: options.group }),
          ...(after === undefined ? {} : { after }),
          ...(options.pageSize === undefined ? {} : { limit: options.pageSize }),
        },
        call(options),
      );
      yield* page.entries;
      const last = page.entries.at(-1);
      if (!page.more || last === undefined) return;
      after = last.id;
    }
  }

  /** Delivers the entries again to the groups that failed them; resolves to how many were resent. */
  async resend(
    station: string,
    ids: readonly number[],
    options: CallOptions = {},
  ): Promise<number> {
    const ok = await this.conn.request(
      { type: 'dlsResend', id: 0, station, ids: [...ids] },
      call(options),
    );
    return ok.count ?? 0;
  }

  /** Removes the entries; resolves to how many were removed. */
  async drop(station: string, ids: readonly number[], options: CallOptions = {}): Promise<number> {
    const ok = await this.conn.request(
      { type: 'dlsDrop', id: 0, station, ids: [...ids] },
      call(options),
    );
    return ok.count ?? 0;
  }
}
