/**
 * Every consumer group of every station (a GroupCoordinator each), and every
 * subscription of every connection. Groups on disk are opened at start, so
 * station info and ack-based retention see them before anyone subscribes.
 */
import {
  FerryError,
  type GroupInfo,
  type GroupOptions,
  type Limits,
  type SubscribeOptions,
} from '@ferry/protocol';
import type { Logger } from 'pino';
import type { Connection } from '../../server/types.js';
import { checkName } from '../../storage/names.js';
import type { DeadLetterRecord, GroupOp } from '../../storage/types.js';
import { fitInFrame } from '../frame-budget.js';
import type { GroupOverrides, Station, StationRegistry } from '../stations.js';
import { GroupCoordinator, type GroupSettings } from './coordinator.js';
import { Member } from './member.js';
import { startOffset } from './start-position.js';

const key = (station: string, group: string) => `${station}\u0000${group}`;

export class GroupRegistry {
  /** Coordinators by station name, then group name: a produce wakes only its station's groups. */
  private readonly coordinators = new Map<string, Map<string, GroupCoordinator>>();
  /** Opens in progress, so concurrent first subscribes create a group once. */
  private readonly opening = new Map<string, Promise<GroupCoordinator>>();
  private readonly subscriptions = new WeakMap<Connection, Map<number, Member | 'joining'>>();
  private readonly members = new WeakMap<Member, GroupCoordinator>();

  constructor(
    private readonly stations: StationRegistry,
    private readonly limits: Limits,
    /** Most groups of one station [LIMITS-2]. */
    private readonly maxGroups: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { stations } = this.stations.list(undefined, undefined, Number.POSITIVE_INFINITY);
    for (const station of stations)
      for (const group of station.store.groups()) await this.open(station, group);
  }

  /** Joins `frame.group` (creating it if new) as subscription `sid` of `conn`. */
  async subscribe(
    conn: Connection,
    sid: number,
    stationName: string,
    group: string,
    options: SubscribeOptions = {},
  ): Promise<{ coordinator: GroupCoordinator; partitions: number }> {
    let subs = this.subscriptions.get(conn);
    if (subs === undefined) {
      const created = new Map<number, Member | 'joining'>();
      subs = created;
      this.subscriptions.set(conn, created);
      conn.onClose(() => {
        for (const m of created.values()) if (m !== 'joining') this.coordinatorOf(m)?.leave(m);
        created.clear();
      });
    }
    if (subs.has(sid)) throw new FerryError('SUBSCRIPTION_EXISTS', `subscription ${sid} exists`);
    if (subs.size >= this.limits.maxSubscriptions)
      throw new FerryError('TOO_MANY_SUBSCRIPTIONS', `at most ${this.limits.maxSubscriptions}`);
    this.checkGroupOptions(group, options);
    subs.set(sid, 'joining');
    try {
      const station = await this.stations.resolve(stationName);
      const coordinator = await this.open(station, group, options);
      const member = new Member(conn, sid, Math.min(options.credit ?? 0, this.limits.maxCredit));
      if (conn.closed) throw new FerryError('SHUTTING_DOWN', 'the connection closed');
      subs.set(sid, member);
      this.members.set(member, coordinator);
      coordinator.join(member);
      return { coordinator, partitions: station.store.config.partitions };
    } catch (err) {
      subs.delete(sid);
      throw err;
    }
  }

  /** The subscription `sid` of `conn`. */
  member(conn: Connection, sid: number): { member: Member; coordinator: GroupCoordinator } {
    const m = this.subscriptions.get(conn)?.get(sid);
    const coordinator = m === undefined || m === 'joining' ? undefined : this.coordinatorOf(m);
    if (m === undefined || m === 'joining' || coordinator === undefined)
      throw new FerryError('SUBSCRIPTION_NOT_FOUND', `no subscription ${sid} on this connection`);
    return { member: m, coordinator };
  }

  unsubscribe(conn: Connection, sid: number): void {
    const { member, coordinator } = this.member(conn, sid);
    this.subscriptions.get(conn)?.delete(sid);
    coordinator.leave(member);
  }

  /** Creates a group without joining it; an existing one with the same settings is returned. [GROUP-1] */
  async createGroup(
    station: Station,
    group: string,
    options: GroupOptions = {},
  ): Promise<GroupCoordinator> {
    this.checkGroupOptions(group, options);
    const existing = await this.existing(station, group);
    if (existing === undefined) return this.open(station, group, options);
    for (const field of ['ackTimeoutMs', 'maxDeliveries', 'ordering'] as const) {
      const wanted = options[field];
      if (wanted !== undefined && wanted !== existing.settings[field])
        throw new FerryError(
          'GROUP_EXISTS',
          `group '${group}' exists with ${field} ${existing.settings[field]}`,
        );
    }
    return existing;
  }

  /** Deletes a group; with members only when forced, which ends their subscriptions. [GROUP-2] */
  async deleteGroup(station: Station, group: string, force: boolean): Promise<void> {
    const coordinator = await this.find(station, group);
    if (coordinator.members.length > 0 && !force)
      throw new FerryError(
        'GROUP_IN_USE',
        `group '${group}' has ${coordinator.members.length} member(s); unsubscribe them or delete with force`,
      );
    this.endMembers(coordinator, `group '${group}' of station '${station.name}' was deleted`);
    coordinator.close();
    this.coordinators.get(station.name)?.delete(group);
    await station.store.deleteGroup(group);
    await this.stations.forgetGroup(station, group);
    this.log.info({ station: station.name, group, force }, 'group deleted');
  }

  /** An existing group, or GROUP_NOT_FOUND. [GROUP-3] */
  async find(station: Station, group: string): Promise<GroupCoordinator> {
    const coordinator = await this.existing(station, group);
    if (coordinator === undefined)
      throw new FerryError('GROUP_NOT_FOUND', `station '${station.name}' has no group '${group}'`);
    return coordinator;
  }

  /** A page of the station's groups in name order, within maxListItems and maxFrameBytes. [GROUP-3] [LIMITS-1] */
  listGroups(
    station: Station,
    after: string | undefined,
    limit: number,
  ): { groups: GroupInfo[]; more: boolean } {
    const names = [...(this.coordinators.get(station.name)?.keys() ?? [])]
      .filter((name) => after === undefined || name > after)
      .sort();
    const infos: GroupInfo[] = [];
    for (const name of names.slice(0, Math.min(limit, this.limits.maxListItems))) {
      const coordinator = this.coordinators.get(station.name)?.get(name);
      if (coordinator !== undefined) infos.push(coordinator.info());
    }
    const count = fitInFrame(infos, infos.length, this.limits.maxFrameBytes);
    return { groups: infos.slice(0, count), more: count < names.length };
  }

  /** Called after messages were appended to the station, so waiting members get them. */
  notify(station: string): void {
    for (const c of this.of(station)) c.pump();
  }

  /** The coordinator of a group, opened (and created with the defaults) if need be. */
  async group(station: Station, group: string): Promise<GroupCoordinator> {
    return this.open(station, group);
  }

  /** Resent dead letters for all groups; refused when the resend queues would pass maxCredit. */
  checkResendRoom(station: Station, count: number): void {
    let queued = count;
    for (const c of this.of(station.name)) queued += c.resentCount;
    if (queued > this.limits.maxCredit)
      throw new FerryError('OVERLOADED', 'too many resent messages are waiting for delivery');
  }

  async resend(station: Station, entries: DeadLetterRecord[]): Promise<void> {
    const byGroup = new Map<string, DeadLetterRecord[]>();
    for (const e of entries) byGroup.set(e.group, [...(byGroup.get(e.group) ?? []), e]);
    for (const [group, list] of byGroup) (await this.open(station, group)).resend(list);
  }

  info(station: Station): GroupInfo[] {
    return [...this.of(station.name)]
      .map((c) => c.info())
      .sort((a, b) => a.name.localeCompare(b.name))
      .slice(0, this.limits.maxListItems);
  }

  /** The lowest cursor of the station's groups in `partition` (undefined without groups). */
  lowestCursor(station: Station, partition: number): number | undefined {
    let lowest: number | undefined;
    for (const c of this.of(station.name)) {
      const cursor = c.cursor(partition);
      if (cursor !== undefined && (lowest === undefined || cursor < lowest)) lowest = cursor;
    }
    return lowest;
  }

  /** Forgets a deleted station's groups; their members get nothing more. */
  dropStation(name: string): void {
    for (const c of this.of(name)) {
      this.endMembers(c, `station '${name}' was deleted`);
      c.close();
    }
    this.coordinators.delete(name);
  }

  /** Ends the subscriptions of a group that goes away; each member is told with its sid. */
  private endMembers(coordinator: GroupCoordinator, reason: string): void {
    for (const member of [...coordinator.members]) {
      this.subscriptions.get(member.conn)?.delete(member.sid);
      member.conn.sendError(0, 'SUBSCRIPTION_NOT_FOUND', reason, member.sid);
    }
  }

  /** The station's open coordinators. */
  private of(station: string): Iterable<GroupCoordinator> {
    return this.coordinators.get(station)?.values() ?? [];
  }

  stop(): void {
    for (const groups of this.coordinators.values()) for (const c of groups.values()) c.close();
    this.coordinators.clear();
  }

  /** Rejects a bad group name or settings before anything is created. */
  private checkGroupOptions(group: string, options: GroupOptions): void {
    checkName('group', group, this.limits.maxNameBytes);
    for (const field of ['ackTimeoutMs', 'maxDeliveries'] as const) {
      if (options[field] !== undefined && (options[field] ?? 0) < 1)
        throw new FerryError('INVALID_CONFIG', `${field} must be at least 1`);
    }
    // Checked before the group's state is created, which a bad start would leave half made.
    startOffset({ first: 0, next: 0, bytes: 0 }, options.start);
  }

  /** The group's coordinator if the group exists (waiting for one being opened). */
  private async existing(station: Station, group: string): Promise<GroupCoordinator | undefined> {
    const open = this.coordinators.get(station.name)?.get(group);
    if (open !== undefined && open.station === station) return open;
    return this.opening.get(key(station.name, group));
  }

  private coordinatorOf(member: Member): GroupCoordinator | undefined {
    return this.members.get(member);
  }

  private open(station: Station, group: string, options?: GroupOptions): Promise<GroupCoordinator> {
    const k = key(station.name, group);
    const existing = this.coordinators.get(station.name)?.get(group);
    if (existing !== undefined && existing.station === station) return Promise.resolve(existing);
    let pending = this.opening.get(k);
    if (pending === undefined) {
      pending = this.create(station, group, options).finally(() => this.opening.delete(k));
      this.opening.set(k, pending);
    }
    return pending;
  }

  /** A new group starts at the requested position; an existing one keeps its state. [CONS-1] */
  private async create(
    station: Station,
    group: string,
    options: GroupOptions | undefined,
  ): Promise<GroupCoordinator> {
    const known = station.store.groups();
    if (!known.includes(group) && known.length >= this.maxGroups)
      throw new FerryError(
        'QUOTA_EXCEEDED',
        `station '${station.name}' has ${known.length} groups, the most allowed (stations.maxGroups)`,
      );
    const store = await station.store.group(group);
    const ops: GroupOp[] = [];
    const isNew = store.state(0) === undefined;
    for (let p = 0; p < station.store.config.partitions; p++) {
      if (store.state(p) !== undefined) continue;
      const cursor = startOffset(station.store.partition(p).bounds(), options?.start);
      ops.push({ op: 'init', partition: p, cursor });
    }
    // Settings given when the group is created are kept with the station; later
    // subscribes (and restarts) use them, and the station's fill in the rest.
    if (isNew) {
      const overrides: GroupOverrides = {};
      if (options?.ackTimeoutMs !== undefined) overrides.ackTimeoutMs = options.ackTimeoutMs;
      if (options?.maxDeliveries !== undefined) overrides.maxDeliveries = options.maxDeliveries;
      if (options?.ordering !== undefined && options.ordering !== 'none')
        overrides.ordering = options.ordering;
      if (Object.keys(overrides).length > 0)
        await this.stations.saveGroupOverrides(station, group, overrides);
    }
    await store.apply(ops);
    const overrides = station.groups.get(group);
    const settings: GroupSettings = {
      ackTimeoutMs: overrides?.ackTimeoutMs ?? station.config.ackTimeoutMs,
      maxDeliveries: overrides?.maxDeliveries ?? station.config.maxDeliveries,
      ordering: overrides?.ordering ?? 'none',
    };
    const coordinator = new GroupCoordinator(
      station,
      store,
      settings,
      this.limits,
      this.log.child({ station: station.name, group }),
    );
    let groups = this.coordinators.get(station.name);
    if (groups === undefined) {
      groups = new Map();
      this.coordinators.set(station.name, groups);
    }
    groups.get(group)?.close();
    groups.set(group, coordinator);
    return coordinator;
  }
}
