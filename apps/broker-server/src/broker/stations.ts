/**
 * The broker's stations: their stores and effective settings, admin
 * operations, auto-creation, and retention in the background.
 */
import {
  FerryError,
  type GroupInfo,
  type GroupOrdering,
  type Limits,
  type StationConfig,
  type StationInfo,
} from '@ferry/protocol';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/types.js';
import { StorageError } from '../storage/errors.js';
import type { StationStore, StorageEngine } from '../storage/types.js';
import { FrameBudget, msgpackSizeBound } from './frame-budget.js';
import { Partitioner } from './partitioner.js';
import {
  checkConfig,
  checkUpdate,
  defaultConfig,
  type EffectiveConfig,
  mergeConfig,
  sameConfig,
  storeConfig,
} from './station-settings.js';

/** Settings a group was created with (from its first subscribe), over the station's. */
export interface GroupOverrides {
  ackTimeoutMs?: number;
  maxDeliveries?: number;
  /** Absent for 'none', so settings written before ordering existed read the same. [GROUP-4] */
  ordering?: GroupOrdering;
}

export interface Station {
  readonly name: string;
  readonly store: StationStore;
  config: EffectiveConfig;
  readonly groups: Map<string, GroupOverrides>;
  readonly partitioner: Partitioner;
}

/** What the station keeps in its storage settings. */
interface SavedSettings {
  config: StationConfig;
  groups: Record<string, GroupOverrides>;
}

function saved(station: Station): SavedSettings {
  return { config: station.config, groups: Object.fromEntries(station.groups) };
}

/** What the stations need to know of the consumer groups (kept apart to avoid a cycle). */
export interface GroupView {
  info(station: Station): GroupInfo[];
  /** The lowest cursor of the station's groups in the partition; undefined without groups. */
  lowestCursor(station: Station, partition: number): number | undefined;
}

export class StationRegistry {
  private readonly stations = new Map<string, Station>();
  /** Creations in progress, so concurrent first uses of a name create it once. */
  private readonly creating = new Map<string, Promise<Station>>();
  /** The partitions of each creation in progress, counted against the caps. */
  private readonly creatingPartitions = new Map<string, number>();
  /** Stations on disk that could not be opened at start, and why [LIMITS-3]. */
  private readonly unavailable = new Map<string, StorageError>();
  private retentionTimer: ReturnType<typeof setInterval> | undefined;
  /** The retention pass running, if one is. */
  private retaining: Promise<void> | undefined;
  private groups: GroupView | undefined;

  constructor(
    private readonly engine: StorageEngine,
    private readonly config: BrokerConfig,
    private readonly limits: Limits,
    private readonly log: Logger,
  ) {}

  /** Opens every station on disk and starts retention; one that cannot open is reported and left out [LIMITS-3]. */
  async start(): Promise<void> {
    for (const name of await this.engine.listStations()) {
      let store: StationStore;
      try {
        store = await this.engine.openStation(name, storeConfig(defaultConfig(this.config)));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.unavailable.set(
          name,
          new StorageError(
            'STORAGE_FAILED',
            `station '${name}' could not be opened when the broker started (${reason}); the broker log has the details`,
            { cause: err },
          ),
        );
        this.log.error({ err, station: name }, 'station could not be opened: it is unavailable');
        continue;
      }
      const settings = store.settings as Partial<SavedSettings> | undefined;
      this.stations.set(name, {
        name,
        store,
        config: mergeConfig(defaultConfig(this.config), settings?.config ?? {}),
        groups: new Map(Object.entries(settings?.groups ?? {})),
        partitioner: new Partitioner(store.config.partitions),
      });
    }
    this.retentionTimer = setInterval(() => this.retain(), this.config.stations.retentionCheckMs);
    this.retentionTimer.unref();
    // At once too: after a crash, records that retention had dropped since its last check (when
    // first offsets are written) are back until it runs. [LIMITS-8]
    this.retain();
    this.log.info(
      { stations: this.stations.size, unavailable: this.unavailable.size },
      'stations opened',
    );
  }

  /** The consumer groups, once they are open (before, stations have no groups to show). */
  attachGroups(groups: GroupView): void {
    this.groups = groups;
  }

  get(name: string): Station {
    const station = this.stations.get(name);
    if (station !== undefined) return station;
    throw (
      this.unavailable.get(name) ??
      new StorageError('STATION_NOT_FOUND', `station '${name}' does not exist`)
    );
  }

  /** The station, created with the defaults on first use when auto-creation is on. */
  async resolve(name: string): Promise<Station> {
    const station = this.stations.get(name);
    if (station !== undefined) return station;
    if (!this.config.stations.autoCreate || this.unavailable.has(name)) this.get(name);
    return this.create(name, {});
  }

  /** Creates a station; creating one that exists with the same settings returns it (idempotent). */
  async create(name: string, requested: StationConfig): Promise<Station> {
    const config = mergeConfig(defaultConfig(this.config), requested);
    checkConfig(config, this.limits);
    const existing = this.stations.get(name);
    if (existing !== undefined) {
      if (Object.keys(requested).length === 0 || sameConfig(existing.config, config))
        return existing;
      throw new StorageError('STATION_EXISTS', `station '${name}' exists with other settings`);
    }
    // A station on disk that failed to open is not created anew over its files.
    const broken = this.unavailable.get(name);
    if (broken !== undefined) throw broken;
    let pending = this.creating.get(name);
    if (pending === undefined) {
      this.checkCaps(name, config.partitions);
      this.creatingPartitions.set(name, config.partitions);
      pending = this.open(name, config).finally(() => {
        this.creating.delete(name);
        this.creatingPartitions.delete(name);
      });
      this.creating.set(name, pending);
    }
    return pending;
  }

  /** Refuses a station past the engine's caps, creations in progress counted, before anything is made. [LIMITS-2] */
  private checkCaps(name: string, partitions: number): void {
    let stations = this.stations.size + this.unavailable.size;
    let total = partitions;
    for (const station of this.stations.values()) total += station.store.config.partitions;
    for (const [other, n] of this.creatingPartitions) {
      if (this.stations.has(other)) continue;
      stations++;
      total += n;
    }
    const { max, maxPartitionsTotal } = this.config.stations;
    if (stations >= max)
      throw new FerryError(
        'QUOTA_EXCEEDED',
        `cannot create station '${name}': the broker has ${stations} stations, the most allowed (stations.max)`,
      );
    if (total > maxPartitionsTotal)
      throw new FerryError(
        'QUOTA_EXCEEDED',
        `cannot create station '${name}' with ${partitions} partitions: all stations would have ${total}, over ${maxPartitionsTotal} (stations.maxPartitionsTotal)`,
      );
  }

  async update(name: string, patch: StationConfig): Promise<Station> {
    const station = this.get(name);
    checkUpdate(station.config, patch);
    const config = mergeConfig(station.config, patch);
    checkConfig(config, this.limits);
    await station.store.saveSettings({ ...saved(station), config });
    station.config = config;
    return station;
  }

  /** Keeps the settings a group was created with, so they outlive a restart. */
  async saveGroupOverrides(
    station: Station,
    group: string,
    overrides: GroupOverrides,
  ): Promise<void> {
    const groups = new Map(station.groups).set(group, overrides);
    await station.store.saveSettings({ ...saved(station), groups: Object.fromEntries(groups) });
    station.groups.set(group, overrides);
  }

  /** Forgets the settings a deleted group was created with. */
  async forgetGroup(station: Station, group: string): Promise<void> {
    if (!station.groups.has(group)) return;
    const groups = new Map(station.groups);
    groups.delete(group);
    await station.store.saveSettings({ ...saved(station), groups: Object.fromEntries(groups) });
    station.groups.delete(group);
  }

  /** Deletes a station, also one that could not be opened at start (the operator gives it up). */
  async delete(name: string): Promise<void> {
    if (this.unavailable.has(name)) {
      await this.engine.deleteStation(name);
      this.unavailable.delete(name);
      this.log.warn({ station: name }, 'unavailable station deleted with its files');
      return;
    }
    this.get(name);
    this.stations.delete(name);
    await this.engine.deleteStation(name);
  }

  /** Stations in name order, a page at a time. */
  list(
    prefix: string | undefined,
    after: string | undefined,
    limit: number,
  ): { stations: Station[]; more: boolean } {
    const names = [...this.stations.keys()]
      .filter(
        (n) => (prefix === undefined || n.startsWith(prefix)) && (after === undefined || n > after),
      )
      .sort();
    const page = names.slice(0, limit).map((n) => this.get(n));
    return { stations: page, more: names.length > limit };
  }

  info(station: Station): StationInfo {
    const partitions = Array.from({ length: station.store.config.partitions }, (_, p) => {
      const b = station.store.partition(p).bounds();
      return { partition: p, firstOffset: b.first, nextOffset: b.next, bytes: b.bytes };
    });
    return {
      name: station.name,
      config: station.config,
      createdAt: station.store.createdAt,
      partitions,
      groups: this.groups?.info(station) ?? [],
      deadLetters: station.store.deadLetters.count(),
    };
  }

  async stop(): Promise<void> {
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
    await this.retaining;
  }

  private async open(name: string, config: EffectiveConfig): Promise<Station> {
    const fresh: SavedSettings = { config, groups: {} };
    const store = await this.engine.openStation(name, storeConfig(config), fresh);
    const station: Station = {
      name,
      store,
      config,
      groups: new Map(),
      partitioner: new Partitioner(config.partitions),
    };
    this.stations.set(name, station);
    this.log.info({ station: name, config }, 'station created');
    return station;
  }

  /** Starts a retention pass unless one is running (a pass over many partitions can outlast a tick). */
  private retain(): void {
    this.retaining ??= this.applyRetention().finally(() => {
      this.retaining = undefined;
    });
  }

  private async applyRetention(): Promise<void> {
    const now = Date.now();
    for (const station of this.stations.values()) {
      const { maxAgeMs, maxMessages, maxBytes, ackBased } = station.config.retention;
      for (let p = 0; p < station.store.config.partitions; p++) {
        try {
          // Ack-based: what every group has done may go (nothing while no group exists).
          const deleteBelow = ackBased === true ? this.groups?.lowestCursor(station, p) : undefined;
          const deleted = await station.store
            .partition(p)
            .applyRetention({ maxAgeMs, maxMessages, maxBytes }, now, deleteBelow);
          if (deleted > 0)
            this.log.info(
              { station: station.name, partition: p, deleted },
              'retention deleted messages',
            );
        } catch (err) {
          this.log.error({ err, station: station.name, partition: p }, 'retention failed');
        }
      }
      try {
        const dropped = await expireDeadLetters(station, now);
        if (dropped > 0)
          this.log.info(
            { station: station.name, dropped },
            'dead-letter retention dropped entries',
          );
      } catch (err) {
        this.log.error({ err, station: station.name }, 'dead-letter retention failed');
      }
    }
  }
}

/** Bytes of dead-letter entries one page of the expiry holds in memory. */
const EXPIRY_PAGE_BYTES = 16 * 1024 * 1024;

/** The dead-letter store's own retention: entries older than maxAgeMs, and the oldest past maxMessages. */
export async function expireDeadLetters(station: Station, now: number): Promise<number> {
  const { maxAgeMs, maxMessages } = station.config.deadLetter;
  const store = station.store.deadLetters;
  const excess = maxMessages === undefined ? 0 : Math.max(0, store.count() - maxMessages);
  if (maxAgeMs === undefined && excess === 0) return 0;
  const expired: number[] = [];
  let after: number | undefined;
  // Entries are in id order, which is dead-lettering order: the expired ones come first.
  for (;;) {
    // Entries carry their payloads: a page is bounded by bytes too, like a dlsList reply.
    const budget = new FrameBudget(EXPIRY_PAGE_BYTES);
    const page = await store.list({
      after,
      limit: 1000,
      admit: (entry) => budget.take(msgpackSizeBound(entry)),
    });
    for (const e of page.entries) {
      const old = maxAgeMs !== undefined && e.deadLetteredAt < now - maxAgeMs;
      if (!old && expired.length >= excess) return (await store.remove(expired)).length;
      expired.push(e.id);
    }
    if (!page.more) break;
    after = page.entries[page.entries.length - 1]?.id;
  }
  return (await store.remove(expired)).length;
}
