/**
 * The broker's stations: opened from the backend at start, created explicitly or on first use,
 * updated, deleted, listed and described. Retention runs beside them (retention.ts).
 */
import type { Limits, SchemaAttachment, StationConfig, StationInfo } from '@ferry/protocol';
import type { Logger } from 'pino';
import type { Backend, StationBackend, StationChange } from '../../backend/types.js';
import type { BrokerConfig } from '../../config/types.js';
import { BrokerError } from '../errors.js';
import { Partitioner } from '../partitioner.js';
import {
  checkConfig,
  checkUpdate,
  defaultConfig,
  type EffectiveConfig,
  mergeConfig,
  sameConfig,
  storeConfig,
} from '../station-settings.js';
import { RetentionTimer } from './retention.js';
import { type SavedSettings, type Station, saved } from './station.js';

/** What the stations need to know of the consumer groups (kept apart to avoid a cycle). */
export interface GroupView {
  info(station: Station): Promise<StationInfo['groups']>;
  /** Ends the groups of a station that is gone. */
  dropStation(name: string): void;
}

export class StationRegistry {
  private readonly stations = new Map<string, Station>();
  /** Creations in progress, so concurrent first uses of a name create it once. */
  private readonly creating = new Map<string, Promise<Station>>();
  /** The partitions of each creation in progress, counted against the caps. */
  private readonly creatingPartitions = new Map<string, number>();
  /** Stations on disk that could not be opened at start, and why [LIMITS-3]. */
  private readonly unavailable = new Map<string, BrokerError>();
  private readonly retention: RetentionTimer;
  private groups: GroupView | undefined;
  /** Changes other brokers made, applied one at a time in the order told. */
  private changes: Promise<void> = Promise.resolve();

  constructor(
    private readonly backend: Backend,
    private readonly config: BrokerConfig,
    private readonly limits: Limits,
    private readonly log: Logger,
  ) {
    this.retention = new RetentionTimer(() => this.stations.values(), log);
  }

  /** The storage engine the stations are on. */
  get engine(): BrokerConfig['storage']['engine'] {
    return this.config.storage.engine;
  }

  /** The broker's settings for groups' push endpoints, which the groups read. [GROUP-6] */
  get push(): BrokerConfig['push'] {
    return this.config.push;
  }

  /** Opens every station on disk and starts retention; one that cannot open is reported and left out [LIMITS-3]. */
  async start(): Promise<void> {
    for (const name of await this.backend.listStations()) {
      let backend: Station['backend'];
      try {
        backend = await this.backend.openStation(name, storeConfig(defaultConfig(this.config)));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.unavailable.set(
          name,
          new BrokerError(
            'STORAGE_FAILED',
            `station '${name}' could not be opened when the broker started (${reason}); the broker log has the details`,
            { cause: err },
          ),
        );
        this.log.error({ err, station: name }, 'station could not be opened: it is unavailable');
        continue;
      }
      this.stations.set(name, this.adopt(name, backend));
    }
    this.backend.watch?.((change) => {
      this.changes = this.changes
        .then(() => this.changed(change))
        .catch((err: unknown) =>
          this.log.error({ err, station: change.name }, 'a change from another broker failed'),
        );
    });
    this.retention.start(this.config.stations.retentionCheckMs);
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
      new BrokerError('STATION_NOT_FOUND', `station '${name}' does not exist`)
    );
  }

  /** Whether `station` is still the open station of its name (not deleted, not replaced). */
  has(station: Station): boolean {
    return this.stations.get(station.name) === station;
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
    checkConfig(config, this.limits, this.config.storage.engine);
    const existing = this.stations.get(name);
    if (existing !== undefined) {
      if (Object.keys(requested).length === 0 || sameConfig(existing.config, config))
        return existing;
      throw new BrokerError('STATION_EXISTS', `station '${name}' exists with other settings`);
    }
    // A station on disk that failed to open is not created anew over its files.
    const broken = this.unavailable.get(name);
    if (broken !== undefined) throw broken;
    let pending = this.creating.get(name);
    if (pending === undefined) {
      this.checkCaps(name, config.partitions);
      this.creatingPartitions.set(name, config.partitions);
      pending = this.open(name, config, Object.keys(requested).length > 0).finally(() => {
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
    for (const station of this.stations.values()) total += station.backend.config.partitions;
    for (const [other, n] of this.creatingPartitions) {
      if (this.stations.has(other)) continue;
      stations++;
      total += n;
    }
    const { max, maxPartitionsTotal } = this.config.stations;
    if (stations >= max)
      throw new BrokerError(
        'QUOTA_EXCEEDED',
        `cannot create station '${name}': the broker has ${stations} stations, the most allowed (stations.max)`,
      );
    if (total > maxPartitionsTotal)
      throw new BrokerError(
        'QUOTA_EXCEEDED',
        `cannot create station '${name}' with ${partitions} partitions: all stations would have ${total}, over ${maxPartitionsTotal} (stations.maxPartitionsTotal)`,
      );
  }

  async update(name: string, patch: StationConfig): Promise<Station> {
    const station = this.get(name);
    checkUpdate(station.config, patch);
    const config = mergeConfig(station.config, patch);
    checkConfig(config, this.limits, this.config.storage.engine);
    await station.backend.saveSettings({ ...saved(station), config });
    station.config = config;
    return station;
  }

  /** Attaches a schema to the station, or detaches it (undefined), durably. [SCHEMA-4] */
  async attachSchema(name: string, schema: SchemaAttachment | undefined): Promise<Station> {
    const station = this.get(name);
    const { schema: _old, ...rest } = saved(station);
    await station.backend.saveSettings(schema === undefined ? rest : { ...rest, schema });
    station.schema = schema;
    this.log.info(
      { station: name, schema },
      schema === undefined ? 'schema detached' : 'schema attached',
    );
    return station;
  }

  /** The stations a schema is attached to, in name order. [SCHEMA-9] */
  attachedTo(schema: string): string[] {
    const names: string[] = [];
    for (const station of this.stations.values())
      if (station.schema?.name === schema) names.push(station.name);
    return names.sort();
  }

  /** Deletes a station, also one that could not be opened at start (the operator gives it up). */
  async delete(name: string): Promise<void> {
    if (this.unavailable.has(name)) {
      await this.backend.deleteStation(name);
      this.unavailable.delete(name);
      this.log.warn({ station: name }, 'unavailable station deleted with its files');
      return;
    }
    this.get(name);
    this.stations.delete(name);
    await this.backend.deleteStation(name);
  }

  /** Stations in name order, a page at a time; only those `visible` admits. [SEC-5] */
  list(
    prefix: string | undefined,
    after: string | undefined,
    limit: number,
    visible: (name: string) => boolean = () => true,
  ): { stations: Station[]; more: boolean } {
    const names = [...this.stations.keys()]
      .filter(
        (n) =>
          (prefix === undefined || n.startsWith(prefix)) &&
          (after === undefined || n > after) &&
          visible(n),
      )
      .sort();
    const page = names.slice(0, limit).map((n) => this.get(n));
    return { stations: page, more: names.length > limit };
  }

  async info(station: Station): Promise<StationInfo> {
    const { backend } = station;
    const partitions = [];
    for (let p = 0; p < backend.config.partitions; p++) {
      const b = await backend.bounds(p);
      partitions.push({ partition: p, firstOffset: b.first, nextOffset: b.next, bytes: b.bytes });
    }
    return {
      name: station.name,
      config: station.config,
      createdAt: backend.createdAt,
      partitions,
      groups: (await this.groups?.info(station)) ?? [],
      deadLetters: await backend.deadLetters.count(),
      ...(station.schema === undefined ? {} : { schema: station.schema }),
    };
  }

  stop(): Promise<void> {
    return this.retention.stop();
  }

  /**
   * Creates the station, or takes the one another broker on a shared backend created first:
   * with what it was created with, refused when `strict` asked for other settings.
   */
  private async open(name: string, config: EffectiveConfig, strict: boolean): Promise<Station> {
    const fresh: SavedSettings = { config, groups: {} };
    const backend = await this.backend.openStation(name, storeConfig(config), fresh);
    const station = this.adopt(name, backend);
    if (strict && !sameConfig(station.config, config))
      throw new BrokerError('STATION_EXISTS', `station '${name}' exists with other settings`);
    const raced = this.stations.get(name);
    if (raced !== undefined && raced.backend === backend) return raced;
    this.stations.set(name, station);
    this.log.info({ station: name, config: station.config }, 'station created');
    return station;
  }

  /** The broker's view of a station from what its backend keeps. */
  private adopt(name: string, backend: StationBackend): Station {
    const settings = backend.settings as Partial<SavedSettings> | undefined;
    return {
      name,
      backend,
      config: mergeConfig(defaultConfig(this.config), settings?.config ?? {}),
      groups: new Map(Object.entries(settings?.groups ?? {})),
      partitioner: new Partitioner(backend.config.partitions),
      schema: settings?.schema,
    };
  }

  /** A station another broker created, saved or deleted. */
  private async changed(change: StationChange): Promise<void> {
    const { name } = change;
    const known = this.stations.get(name);
    if (change.kind === 'deleted') {
      if (known === undefined) return;
      this.groups?.dropStation(name);
      this.stations.delete(name);
      this.log.info({ station: name }, 'station deleted through another broker');
      return;
    }
    const backend = change.station;
    const station = this.adopt(name, backend);
    if (known !== undefined && known.backend === backend) {
      known.config = station.config;
      known.schema = station.schema;
      known.groups.clear();
      for (const [group, overrides] of station.groups) known.groups.set(group, overrides);
      return;
    }
    // Deleted and created again elsewhere: the old one's groups end.
    if (known !== undefined) this.groups?.dropStation(name);
    this.stations.set(name, station);
    this.log.info({ station: name }, 'station created through another broker');
  }
}
