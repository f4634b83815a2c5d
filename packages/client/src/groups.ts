/** Consumer group administration: create without joining, inspect, list, seek, delete. */
import type { GroupInfo, GroupOptions } from '@ferry/protocol';
import { type CallOptions, call } from './admin.js';
import type { Connection } from './connection.js';
import { position, type Start, startPosition } from './consume-options.js';

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
    const frame = { type: 'groupCreate' as const, id: 0, station, group, options: settings };
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
