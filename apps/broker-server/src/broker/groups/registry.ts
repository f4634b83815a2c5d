/**
 * Every consumer group of every station (a GroupCoordinator each). Groups the backend holds
 * are opened at start, so station info and ack-based retention see them before anyone
 * subscribes. Members join with a MemberSink; who they are (a connection's subscription, an
 * HTTP consumer) is the caller's business.
 */
import type {
  GroupInfo,
  GroupOptions,
  Limits,
  PushConfig,
  StartPosition,
  SubscribeOptions,
} from '@ferry/protocol';
import type { Logger } from 'pino';
import { checkName } from '../../backend/names.js';
import { checkStart, startOffset } from '../../backend/start-position.js';
import type { DeadLetterRecord } from '../../backend/types.js';
import { BrokerError } from '../errors.js';
import { fitInFrame } from '../frame-budget.js';
import type { MemberSink } from '../member-sink.js';
import { type PushSettings, pushSettings, samePush } from '../push/push-settings.js';
import { Pusher } from '../push/pusher.js';
import { forgetGroup, saveGroupOverrides } from '../stations/group-overrides.js';
import type { StationRegistry } from '../stations/registry.js';
import type { GroupOverrides, Station } from '../stations/station.js';
import { GroupCoordinator, type GroupSettings } from './coordinator.js';
import type { GroupMetrics } from './group-metrics.js';
import { Member } from './member.js';

/** A member in its group, as join returns it. */
export interface Membership {
  member: Member;
  coordinator: GroupCoordinator;
  /** The station's partitions. */
  partitions: number;
}

const key = (station: string, group: string) => `${station}\u0000${group}`;

export class GroupRegistry {
  /** Coordinators by station name, then group name: a produce wakes only its station's groups. */
  private readonly coordinators = new Map<string, Map<string, GroupCoordinator>>();
  /** Opens in progress, so concurrent first subscribes create a group once. */
  private readonly opening = new Map<string, Promise<GroupCoordinator>>();
  /** The pusher of each group that has a push endpoint. [GROUP-6] */
  private readonly pushers = new Map<GroupCoordinator, Pusher>();

  constructor(
    private readonly stations: StationRegistry,
    private readonly limits: Limits,
    /** Most groups of one station [LIMITS-2]. */
    private readonly maxGroups: number,
    private readonly log: Logger,
    private readonly metrics: GroupMetrics,
  ) {}

  async start(): Promise<void> {
    const { stations } = this.stations.list(undefined, undefined, Number.POSITIVE_INFINITY);
    for (const station of stations)
      for (const group of await station.backend.groups()) await this.open(station, group);
  }

  /**
   * Joins `group` of `stationName` (creating either if new) with `sink`, and `credit` to start
   * with. A sink closed by the time the member would join is refused.
   */
  async join(
    stationName: string,
    group: string,
    options: SubscribeOptions,
    sink: MemberSink,
  ): Promise<Membership> {
    this.checkGroupOptions(group, options);
    const station = await this.stations.resolve(stationName);
    const coordinator = await this.open(station, group, options);
    if (sink.closed) throw new BrokerError('SHUTTING_DOWN', 'the connection closed');
    const member = new Member(sink, Math.min(options.credit ?? 0, this.limits.maxCredit));
    coordinator.join(member);
    return { member, coordinator, partitions: station.backend.config.partitions };
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
    if (options.push !== undefined && !samePush(existing.settings.push, this.pushOf(options.push)))
      throw new BrokerError(
        'GROUP_EXISTS',
        `group '${group}' exists with ${existing.settings.push === undefined ? 'no' : 'another'} push endpoint (change it with groupUpdate)`,
      );
    for (const field of ['ackTimeoutMs', 'maxDeliveries', 'ordering'] as const) {
      const wanted = options[field];
      if (wanted !== undefined && wanted !== existing.settings[field])
        throw new BrokerError(
          'GROUP_EXISTS',
          `group '${group}' exists with ${field} ${existing.settings[field]}`,
        );
    }
    return existing;
  }

  /**
   * Sets (`push`) or removes (undefined) the group's push endpoint, kept with its settings; the
   * old pusher leaves before the new one joins. [GROUP-6]
   */
  async updateGroup(
    station: Station,
    group: string,
    push: PushConfig | undefined,
  ): Promise<GroupCoordinator> {
    const settings = push === undefined ? undefined : this.pushOf(push);
    const coordinator = await this.find(station, group);
    const { push: _, ...overrides } = station.groups.get(group) ?? {};
    await saveGroupOverrides(
      station,
      group,
      settings === undefined ? overrides : { ...overrides, push: settings },
    );
    this.stopPusher(coordinator);
    if (settings === undefined) delete coordinator.settings.push;
    else coordinator.settings.push = settings;
    this.startPusher(coordinator);
    this.log.info(
      { station: station.name, group, push: settings === undefined ? 'removed' : 'set' },
      'group updated',
    );
    return coordinator;
  }

  /** Deletes a group; with members only when forced, which ends their subscriptions. [GROUP-2] */
  async deleteGroup(station: Station, group: string, force: boolean): Promise<void> {
    const coordinator = await this.find(station, group);
    const subscribers = this.subscribers(coordinator);
    if (subscribers > 0 && !force)
      throw new BrokerError(
        'GROUP_IN_USE',
        `group '${group}' has ${subscribers} member(s); unsubscribe them or delete with force`,
      );
    this.stopPusher(coordinator);
    this.endMembers(coordinator, `group '${group}' of station '${station.name}' was deleted`);
    coordinator.close();
    this.coordinators.get(station.name)?.delete(group);
    await station.backend.deleteGroup(group);
    await forgetGroup(station, group);
    this.metrics.forget(station.name, group);
    this.log.info({ station: station.name, group, force }, 'group deleted');
  }

  /**
   * Moves a group's cursor on every partition, or on one, to where `to` says now; with members
   * only when forced, which ends their subscriptions first. [GROUP-5]
   */
  async seekGroup(
    station: Station,
    group: string,
    to: StartPosition,
    partition: number | undefined,
    force: boolean,
  ): Promise<GroupCoordinator> {
    const partitions = station.backend.config.partitions;
    if (partition !== undefined && partition >= partitions)
      throw new BrokerError(
        'PARTITION_OUT_OF_RANGE',
        `station '${station.name}' has partitions 0 to ${partitions - 1}, not ${partition}`,
      );
    // A bad position is refused before anything moves.
    checkStart(to);
    const coordinator = await this.find(station, group);
    const subscribers = this.subscribers(coordinator);
    if (subscribers > 0 && !force)
      throw new BrokerError(
        'GROUP_IN_USE',
        `group '${group}' has ${subscribers} member(s); unsubscribe them or seek with force`,
      );
    // The pusher is not a subscription to end: it starts again from the new position.
    const pusher = this.pushers.get(coordinator);
    pusher?.close();
    this.pushers.delete(coordinator);
    this.endMembers(
      coordinator,
      `group '${group}' of station '${station.name}' was moved by a seek`,
    );
    coordinator.removeMembers();
    for (let p = 0; p < partitions; p++) {
      if (partition !== undefined && p !== partition) continue;
      const source = {
        bounds: await station.backend.bounds(p),
        offsetAt: (timestamp: number) => station.backend.offsetForTimestamp(p, timestamp),
      };
      await coordinator.cursor.seek(p, await startOffset(source, to));
    }
    if (pusher !== undefined) this.startPusher(coordinator);
    this.log.info({ station: station.name, group, to, partition, force }, 'group cursor moved');
    return coordinator;
  }

  /** An existing group, or GROUP_NOT_FOUND. [GROUP-3] */
  async find(station: Station, group: string): Promise<GroupCoordinator> {
    await this.sync(station);
    const coordinator = await this.existing(station, group);
    if (coordinator === undefined)
      throw new BrokerError('GROUP_NOT_FOUND', `station '${station.name}' has no group '${group}'`);
    return coordinator;
  }

  /** A page of the station's groups in name order, within maxListItems and maxFrameBytes. [GROUP-3] [LIMITS-1] */
  async listGroups(
    station: Station,
    after: string | undefined,
    limit: number,
  ): Promise<{ groups: GroupInfo[]; more: boolean }> {
    await this.sync(station);
    const names = [...(this.coordinators.get(station.name)?.keys() ?? [])]
      .filter((name) => after === undefined || name > after)
      .sort();
    const infos: GroupInfo[] = [];
    for (const name of names.slice(0, Math.min(limit, this.limits.maxListItems))) {
      const coordinator = this.coordinators.get(station.name)?.get(name);
      if (coordinator !== undefined) infos.push(await coordinator.info());
    }
    const count = fitInFrame(infos, infos.length, this.limits.maxFrameBytes);
    return { groups: infos.slice(0, count), more: count < names.length };
  }

  /** Called after messages were appended to the station, so waiting members get them. */
  notify(station: string): void {
    for (const c of this.of(station)) c.pump();
  }

  /** Resent dead letters for all groups; refused when the resend queues would pass maxCredit. */
  async checkResendRoom(station: Station, count: number): Promise<void> {
    let queued = count;
    for (const c of this.of(station.name)) queued += (await c.cursor.counts()).resent;
    if (queued > this.limits.maxCredit)
      throw new BrokerError('OVERLOADED', 'too many resent messages are waiting for delivery');
  }

  async resend(station: Station, entries: DeadLetterRecord[]): Promise<void> {
    const byGroup = new Map<string, DeadLetterRecord[]>();
    for (const e of entries) byGroup.set(e.group, [...(byGroup.get(e.group) ?? []), e]);
    for (const [group, list] of byGroup) (await this.open(station, group)).resend(list);
  }

  /** The station's groups for its info: without their per-partition detail. [GROUP-3] */
  async info(station: Station): Promise<GroupInfo[]> {
    await this.sync(station);
    const infos = await Promise.all(
      [...this.of(station.name)].map(async (c) => {
        const { partitions: _, ...summary } = await c.info();
        return summary;
      }),
    );
    return infos.sort((a, b) => a.name.localeCompare(b.name)).slice(0, this.limits.maxListItems);
  }

  /**
   * On a backend other brokers share (jetstream), a station's groups are those the backend
   * lists: one made through another broker is opened here, one deleted through another broker
   * ends here, its members told.
   */
  private async sync(station: Station): Promise<void> {
    if (this.stations.engine !== 'jetstream') return;
    const listed = new Set(await station.backend.groups());
    for (const c of [...this.of(station.name)]) {
      if (listed.has(c.name)) continue;
      this.stopPusher(c);
      this.endMembers(c, `group '${c.name}' of station '${station.name}' was deleted`);
      c.close();
      this.coordinators.get(station.name)?.delete(c.name);
      this.metrics.forget(station.name, c.name);
    }
    for (const group of listed)
      if (this.coordinators.get(station.name)?.get(group)?.station !== station)
        await this.open(station, group);
  }

  /** Forgets a deleted station's groups, and its metrics; their members get nothing more. */
  dropStation(name: string): void {
    for (const c of this.of(name)) {
      this.pushers.get(c)?.close();
      this.pushers.delete(c);
      this.endMembers(c, `station '${name}' was deleted`);
      c.close();
    }
    this.coordinators.delete(name);
    this.metrics.forget(name);
  }

  /** Every open group, of every station. */
  *all(): Generator<GroupCoordinator> {
    for (const groups of this.coordinators.values()) yield* groups.values();
  }

  /** Ends the subscriptions of a group that goes away; each member's sink is told why. */
  private endMembers(coordinator: GroupCoordinator, reason: string): void {
    for (const member of [...coordinator.members]) member.sink.ended(reason);
  }

  /** The station's open coordinators. */
  of(station: string): Iterable<GroupCoordinator> {
    return this.coordinators.get(station)?.values() ?? [];
  }

  stop(): void {
    // What was in flight to the endpoints stays in flight, delivered again after a restart. [CONS-6]
    for (const pusher of this.pushers.values()) pusher.close();
    this.pushers.clear();
    for (const groups of this.coordinators.values()) for (const c of groups.values()) c.close();
    this.coordinators.clear();
  }

  /** Members that are subscriptions (not the group's pusher): those GROUP_IN_USE counts. */
  private subscribers(coordinator: GroupCoordinator): number {
    return coordinator.members.length - (this.pushers.has(coordinator) ? 1 : 0);
  }

  /** A push endpoint checked, with its defaults. */
  private pushOf(push: PushConfig): PushSettings {
    return pushSettings(push, this.limits, this.stations.push.maxConcurrency);
  }

  /** Starts pushing to the group's endpoint, if it has one. [GROUP-6] */
  private startPusher(coordinator: GroupCoordinator): void {
    const settings = coordinator.settings.push;
    if (settings === undefined || this.pushers.has(coordinator)) return;
    const station = coordinator.station.name;
    const group = coordinator.name;
    const push = this.stations.push;
    const pusher = new Pusher(coordinator, settings, {
      maxBodyBytes: this.limits.maxFrameBytes,
      maxReasonBytes: this.limits.maxReasonBytes,
      retryMinMs: push.retryMinMs,
      retryMaxMs: push.retryMaxMs,
      log: this.log.child({ station, group }),
      count: this.metrics.pushed(station, group),
    });
    this.pushers.set(coordinator, pusher);
    pusher.start();
  }

  /** Stops pushing: the pusher leaves the group, its in-flight messages go back. [CONS-8] */
  private stopPusher(coordinator: GroupCoordinator): void {
    const pusher = this.pushers.get(coordinator);
    if (pusher === undefined) return;
    this.pushers.delete(coordinator);
    pusher.stop();
  }

  /** Rejects a bad group name or settings before anything is created. */
  private checkGroupOptions(group: string, options: GroupOptions): void {
    checkName('group', group, this.limits.maxNameBytes);
    for (const field of ['ackTimeoutMs', 'maxDeliveries'] as const) {
      if (options[field] !== undefined && (options[field] ?? 0) < 1)
        throw new BrokerError('INVALID_CONFIG', `${field} must be at least 1`);
    }
    // Checked before the group's state is created, which a bad start would leave half made.
    checkStart(options.start);
  }

  /** The group's coordinator if the group exists (waiting for one being opened). */
  private async existing(station: Station, group: string): Promise<GroupCoordinator | undefined> {
    const open = this.coordinators.get(station.name)?.get(group);
    if (open !== undefined && open.station === station) return open;
    return this.opening.get(key(station.name, group));
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
    const known = await station.backend.groups();
    const isNew = !known.includes(group);
    if (isNew && known.length >= this.maxGroups)
      throw new BrokerError(
        'QUOTA_EXCEEDED',
        `station '${station.name}' has ${known.length} groups, the most allowed (stations.maxGroups)`,
      );
    if (isNew && options?.ordering === 'partition' && this.stations.engine === 'jetstream')
      throw new BrokerError(
        'INVALID_CONFIG',
        "ordering partition is not available on the jetstream engine: every broker on the cluster serves the group's members, and each would give a partition to a member of its own, so two would hold it at once",
      );
    // Checked before anything is created.
    const push = isNew && options?.push !== undefined ? this.pushOf(options.push) : undefined;
    // Settings given when the group is created are kept with the station; later
    // subscribes (and restarts) use them, and the station's fill in the rest.
    if (isNew) {
      const overrides: GroupOverrides = {};
      if (options?.ackTimeoutMs !== undefined) overrides.ackTimeoutMs = options.ackTimeoutMs;
      if (options?.maxDeliveries !== undefined) overrides.maxDeliveries = options.maxDeliveries;
      if (options?.ordering !== undefined && options.ordering !== 'none')
        overrides.ordering = options.ordering;
      if (push !== undefined) overrides.push = push;
      if (Object.keys(overrides).length > 0) await saveGroupOverrides(station, group, overrides);
    }
    const overrides = station.groups.get(group);
    const settings: GroupSettings = {
      ackTimeoutMs: overrides?.ackTimeoutMs ?? station.config.ackTimeoutMs,
      maxDeliveries: overrides?.maxDeliveries ?? station.config.maxDeliveries,
      ordering: overrides?.ordering ?? 'none',
    };
    if (overrides?.push !== undefined) settings.push = overrides.push;
    const cursorOptions: Parameters<Station['backend']['openGroup']>[1] = {
      ackTimeoutMs: settings.ackTimeoutMs,
      maxDeliveries: settings.maxDeliveries,
      deadLetterEnabled: () => station.config.deadLetter.enabled !== false,
    };
    if (options?.start !== undefined) cursorOptions.start = options.start;
    const cursor = await station.backend.openGroup(group, cursorOptions);
    const coordinator = new GroupCoordinator(
      station,
      cursor,
      settings,
      this.limits,
      this.log.child({ station: station.name, group }),
      this.metrics.of(station.name, group),
    );
    let groups = this.coordinators.get(station.name);
    if (groups === undefined) {
      groups = new Map();
      this.coordinators.set(station.name, groups);
    }
    const replaced = groups.get(group);
    if (replaced !== undefined) {
      this.pushers.get(replaced)?.close();
      this.pushers.delete(replaced);
      replaced.close();
    }
    groups.set(group, coordinator);
    this.startPusher(coordinator);
    return coordinator;
  }
}
