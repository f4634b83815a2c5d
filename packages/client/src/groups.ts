/** Consumer group administration: create without joining, inspect, list, delete. */
import type { GroupInfo, GroupOptions } from '@ferry/protocol';
import { type CallOptions, call } from './admin.js';
import type { Connection } from './connection.js';
import { type Start, startPosition } from './consumer.js';

export interface CreateGroupOptions extends CallOptions {
  /** Where the new group starts (default `'latest'`); an existing group keeps its position. */
  start?: Start;
  /** Redeliver a message not acknowledged within this time (default: the station's). */
  ackTimeoutMs?: number;
  /** Dead-letter a message after this many deliveries (default: the station's). */
  maxDeliveries?: number;
}

export interface DeleteGroupOptions extends CallOptions {
  /** Delete even while members are subscribed; their consumers end with `SUBSCRIPTION_NOT_FOUND`. */
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
