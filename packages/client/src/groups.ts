/** Consumer group administration: create without joining, inspect, list, seek, update, delete. */
import type { GroupInfo, GroupOptions, GroupUpdateFrame } from '@ferry/protocol';
import { type CallOptions, call } from './admin.js';
import type { Connection } from './connection.js';
import { position, type Start, startPosition } from './consume-options.js';

/**
 * A push endpoint (GROUP-6): the broker POSTs the group's messages to `url` as JSON batches,
 * `{ station, group, messages: [{ partition, offset, timestamp, deliveryCount, key?, msgId?,
 * headers?, text | data }] }` (`text` when the payload is UTF-8, else `data` in base64). A 2xx
 * answer acknowledges the batch; a 5xx, 408, 429, an answer with `Retry-After`, a timeout or a
 * connection error redelivers it later (backoff, and `Retry-After`, capped by the broker); another
 * 4xx dead-letters each of its messages with the status and the start of the answer's body. The
 * group's `ackTimeoutMs` and `maxDeliveries` apply as for any consumer. Delivery is at least once:
 * deduplicate by station, group, partition and offset.
 *
 * With a `secret`, each request carries `Ferry-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<raw body>")>`: recompute it over the raw body, compare in constant
 * time and refuse timestamps more than a few minutes old. The broker calls whatever URL it is
 * given, so only principals with `admin` on the station may set one.
 */
export interface PushOptions {
  /** An absolute `http:` or `https:` URL, without user name or password. */
  url: string;
  /** Signs each request; a credential, never reported back (GroupInfo says only whether there is one). */
  secret?: string;
  /** Most messages in one request (default 100, at most the broker's maxBatchMessages). */
  batchSize?: number;
  /** Most requests in flight at once (default 4, at most the broker's push.maxConcurrency). */
  concurrency?: number;
  /** A request not answered within this time is retried (default 10 000 ms); keep it below the group's ackTimeoutMs. */
  timeoutMs?: number;
}

export interface UpdateGroupOptions extends CallOptions {
  /** A new push endpoint, replacing the group's (secret included); `null` removes it. */
  push?: PushOptions | null;
}

export interface CreateGroupOptions extends CallOptions {
  /** Where the new group starts (default `'latest'`); an existing group keeps its position. */
  start?: Start;
  /** Redeliver a message not acknowledged within this time (default: the station's). */
  ackTimeoutMs?: number;
  /** Dead-letter a message after this many deliveries (default: the station's). */
  maxDeliveries?: number;
  /**
   * How the group's members share the station's partitions, fixed when the group is created
   * (GROUP-4). `'none'` (the default): every member receives from every partition, so messages
   * of one key may be processed by two members at once. `'partition'`: each partition is owned
   * by one member at a time, spread evenly (members beyond the partition count receive nothing)
   * and moved as little as possible when members join or leave; a partition moves to its new
   * owner only once the old one has settled (or given back, by leaving or by ack timeout) every
   * message of it that it holds. So the messages of one key are processed by one member at a
   * time, in the order they were produced (redeliveries aside), as in a Kafka consumer group.
   */
  ordering?: 'none' | 'partition';
  /**
   * Push the group's messages to an HTTP endpoint (GROUP-6), from the broker, with no consumer
   * connected; see {@link PushOptions}. Creating a group that exists with another endpoint fails
   * with `GROUP_EXISTS`: change it with {@link Groups.update}.
   */
  push?: PushOptions;
}

export interface DeleteGroupOptions extends CallOptions {
  /** Delete even while members are subscribed; their consumers end with `SUBSCRIPTION_NOT_FOUND`. */
  force?: boolean;
}

export interface SeekGroupOptions extends CallOptions {
  /** Only this partition (default: every one). */
  partition?: number;
  /** Seek even while members are subscribed; their consumers end with `SUBSCRIPTION_NOT_FOUND`. */
  force?: boolean;
}

export interface ListGroupsOptions extends CallOptions {
  /** Groups per request (the broker caps it at maxListItems). */
  pageSize?: number;
}

/** A station's consumer groups. */
export class Groups {
  /** @internal Use `client.groups`. */
  constructor(private readonly conn: Connection) {}

  /**
   * Creates a group without joining it, so that it keeps every message from its start
   * position until a consumer comes. Creating one that exists with the same settings (or
   * with none given) is a no-op; with other settings it fails with `GROUP_EXISTS`.
   */
  async create(
    station: string,
    group: string,
    options: CreateGroupOptions = {},
  ): Promise<GroupInfo> {
    const settings: GroupOptions = {};
    const start = startPosition(options.start);
    if (start !== undefined) settings.start = start;
    if (options.ackTimeoutMs !== undefined) settings.ackTimeoutMs = options.ackTimeoutMs;
    if (options.maxDeliveries !== undefined) settings.maxDeliveries = options.maxDeliveries;
    if (options.ordering !== undefined) settings.ordering = options.ordering;
    if (options.push !== undefined) settings.push = options.push;
    const frame = { type: 'groupCreate' as const, id: 0, station, group, options: settings };
    return (await this.conn.request(frame, call(options))).info;
  }

  /**
   * Sets or removes (`push: null`) the group's push endpoint (GROUP-6), keeping its cursor and
   * pending messages; resolves to the group's info. Requests in flight to a removed endpoint are
   * abandoned, their messages redelivered.
   *
   * ```ts
   * await client.groups.update('orders', 'billing', {
   *   push: { url: 'https://hooks.example.com/ferry', secret: process.env.HOOK_SECRET },
   * });
   * await client.groups.update('orders', 'billing', { push: null });   // stop pushing
   * ```
   */
  async update(
    station: string,
    group: string,
    options: UpdateGroupOptions = {},
  ): Promise<GroupInfo> {
    const frame: GroupUpdateFrame = { type: 'groupUpdate', id: 0, station, group };
    if (options.push === null) frame.removePush = true;
    else if (options.push !== undefined) frame.push = options.push;
    return (await this.conn.request(frame, call(options))).info;
  }

  /** The group's members, in-flight count, lag and settings; `GROUP_NOT_FOUND` if none. */
  async info(station: string, group: string, options: CallOptions = {}): Promise<GroupInfo> {
    return (await this.conn.request({ type: 'groupInfo', id: 0, station, group }, call(options)))
      .info;
  }

  /** Deletes the group's cursor and pending state; refused with `GROUP_IN_USE` while it has members unless `force`. */
  async delete(station: string, group: string, options: DeleteGroupOptions = {}): Promise<void> {
    const frame = {
      type: 'groupDelete' as const,
      id: 0,
      station,
      group,
      ...(options.force === true ? { force: true } : {}),
    };
    await this.conn.request(frame, call(options));
  }

  /**
   * Moves the group's cursor, back or forward, on every partition or on one (GROUP-5): to
   * `'earliest'`, `'latest'`, `{ offset }`, `{ lastN }` or `{ time }`, computed now as a start
   * position is.
   * Offsets below it are done; from it on, messages are delivered (again) from a
   * `deliveryCount` of 1; what was in flight is dropped. Refused with `GROUP_IN_USE` while the
   * group has members, unless `force`. Resolves to the group's info after the move.
   *
   * ```ts
   * await client.groups.seek('orders', 'billing', 'earliest');                 // replay everything
   * await client.groups.seek('orders', 'billing', { offset: 1200 }, { partition: 2 });
   * await client.groups.seek('orders', 'billing', { time: new Date('2026-11-29T08:00:00Z') });
   * ```
   */
  async seek(
    station: string,
    group: string,
    to: Start,
    options: SeekGroupOptions = {},
  ): Promise<GroupInfo> {
    const frame = {
      type: 'groupSeek' as const,
      id: 0,
      station,
      group,
      to: position(to),
      ...(options.partition === undefined ? {} : { partition: options.partition }),
      ...(options.force === true ? { force: true } : {}),
    };
    return (await this.conn.request(frame, call(options))).info;
  }

  /** Every group of the station, in name order, fetched a page at a time. */
  async *list(station: string, options: ListGroupsOptions = {}): AsyncGenerator<GroupInfo> {
    let after: string | undefined;
    for (;;) {
      const page = await this.conn.request(
        {
          type: 'groupList',
          id: 0,
          station,
          ...(after === undefined ? {} : { after }),
          ...(options.pageSize === undefined ? {} : { limit: options.pageSize }),
        },
        call(options),
      );
      yield* page.groups;
      const last = page.groups.at(-1);
      if (!page.more || last === undefined) return;
      after = last.name;
    }
  }
}
