/**
 * The jetstream engine (`storage.engine: jetstream`): stations on a NATS JetStream cluster, so
 * any number of brokers serve the same stations and groups and keep no state of their own.
 * Station records (config, settings, creation time, stream id) and the broker's other metadata
 * (metadata.ts) are in a KV bucket; each station
 * is a stream per partition, a dead-letter stream and a msgId claim stream (streams.ts).
 */
import { DEFAULT_LIMITS, FerryError } from '@ferry/protocol';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type KV, type KvEntry, Kvm, KvWatchInclude } from '@nats-io/kv';
import {
  type ConnectionOptions,
  connect,
  type NatsConnection,
  nuid,
} from '@nats-io/transport-node';
import { checkName } from '../backend/names.js';
import type {
  Backend,
  StationBackend,
  StationChange,
  StationStoreConfig,
} from '../backend/types.js';
import { type StorageLogger, silentLogger } from '../storage/logger.js';
import type { JsContext } from './context.js';
import { jsError } from './errors.js';
import { JetStreamMetadata } from './metadata.js';
import { StationNames, stationKey, stationOfKey } from './names.js';
import { JetStreamStation, type StationRecord } from './station.js';
import { createStreams, deleteStreams } from './streams.js';

/** JetStream's smallest duplicate window. */
export const MIN_DEDUP_WINDOW_MS = 100;

export interface JetStreamEngineOptions {
  /** The NATS connection: servers, credentials, TLS (passed to the client as they are). */
  connection: ConnectionOptions;
  /** Prefix of every stream, subject and bucket the engine makes (default `ferry`). */
  prefix?: string;
  /** Replicas of every stream: 1, 3 or 5 (default 1). */
  replicas?: number;
  /** How long one call to JetStream may take (default 5 s: a leader election takes a few). */
  timeoutMs?: number;
  maxReadBytes?: number;
  maxNameBytes?: number;
  log?: StorageLogger;
}

const PREFIX = /^[A-Za-z0-9-]{1,32}$/;

export class JetStreamEngine implements Backend {
  readonly kind = 'jetstream';
  private readonly stations = new Map<string, Promise<JetStreamStation>>();
  /** The bucket revision of each station's record this broker last wrote or saw. */
  private readonly revisions = new Map<string, number>();
  private readonly listeners: ((change: StationChange) => void)[] = [];
  private watcher: { stop(): void } | undefined;
  private following = false;

  private constructor(
    private readonly ctx: JsContext,
    private readonly kv: KV,
    readonly metadata: JetStreamMetadata,
  ) {}

  static async open(options: JetStreamEngineOptions): Promise<JetStreamEngine> {
    const prefix = options.prefix ?? 'ferry';
    if (!PREFIX.test(prefix))
      throw new FerryError(
        'INVALID_CONFIG',
        `the NATS prefix '${prefix}' must be 1 to 32 letters, digits or '-'`,
      );
    const replicas = options.replicas ?? 1;
    if (![1, 3, 5].includes(replicas))
      throw new FerryError('INVALID_CONFIG', `replicas must be 1, 3 or 5, got ${replicas}`);
    const log = options.log ?? silentLogger;
    const timeoutMs = options.timeoutMs ?? 5_000;
    let nc: NatsConnection;
    try {
      nc = await connect({
        name: 'ferry-broker',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // A frozen server is left after two missed pings, for another of the cluster; one that
        // takes the TCP connection but never says hello (a stopped process) is given up on
        // within the connect timeout rather than the client's 20 s.
        pingInterval: 2_000,
        maxPingOut: 2,
        timeout: 2_000,
        // Every publish and settle is a request: capturing a stack trace for each, in case it
        // fails, took about half of the broker's CPU.
        noAsyncTraces: true,
        ...options.connection,
      });
    } catch (err) {
      throw jsError('the NATS servers could not be reached', err);
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
      const ctx: JsContext = {
        nc,
        js: jetstream(nc, { timeout: timeoutMs }),
        jsm,
        prefix,
        replicas,
        maxReadBytes: options.maxReadBytes ?? DEFAULT_LIMITS.maxBatchBytes,
        maxNameBytes: options.maxNameBytes ?? DEFAULT_LIMITS.maxNameBytes,
        maxPayload: nc.info?.max_payload ?? 1024 * 1024,
        timeoutMs,
        log,
      };
      const kv = await new Kvm(nc).create(`${prefix}-stations`, {
        history: 1,
        replicas,
        timeout: timeoutMs,
        // Reads go to the leader: a direct get may be answered by a replica behind it, and a
        // broker must read what it has just written (a schema version, a station's settings).
        allow_direct: false,
      });
      let engine: JetStreamEngine | undefined;
      const metadata = new JetStreamMetadata(kv, () => engine?.follow());
      engine = new JetStreamEngine(ctx, kv, metadata);
      void engine.followConnection();
      return engine;
    } catch (err) {
      await nc.close().catch(() => {});
      throw jsError('JetStream could not be used', err);
    }
  }

  /** The version the connected server reports. */
  get serverVersion(): string {
    return this.ctx.nc.info?.version ?? 'unknown';
  }

  /** The largest message (payload with its headers) the servers take. */
  get maxPayload(): number {
    return this.ctx.maxPayload;
  }

  openStation(
    name: string,
    config: StationStoreConfig,
    settings?: unknown,
  ): Promise<StationBackend> {
    let station = this.stations.get(name);
    if (station === undefined) {
      station = this.load(name, config, settings);
      this.stations.set(name, station);
      station.catch(() => {
        if (this.stations.get(name) === station) this.stations.delete(name);
      });
    }
    return station;
  }

  watch(listener: (change: StationChange) => void): void {
    this.listeners.push(listener);
    this.follow();
  }

  async listStations(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const key of await this.kv.keys('s.>')) {
        const name = stationOfKey(key);
        if (name !== undefined) names.push(name);
      }
    } catch (err) {
      throw jsError('the stations could not be listed', err);
    }
    return names.sort();
  }

  async deleteStation(name: string): Promise<void> {
    checkName('station', name, this.ctx.maxNameBytes);
    const open = this.stations.get(name);
    this.stations.delete(name);
    await (await open?.catch(() => undefined))?.close();
    const record = await this.record(name);
    if (record === undefined) return;
    try {
      await this.kv.purge(stationKey(name));
    } catch (err) {
      throw jsError(`station '${name}' could not be deleted`, err);
    }
    await deleteStreams(this.ctx, new StationNames(this.ctx.prefix, record.id));
  }

  async close(): Promise<void> {
    this.watcher?.stop();
    this.listeners.length = 0;
    const stations = [...this.stations.values()];
    this.stations.clear();
    await Promise.all(stations.map(async (s) => (await s.catch(() => undefined))?.close()));
    await this.ctx.nc.close();
  }

  private async load(
    name: string,
    config: StationStoreConfig,
    settings: unknown,
  ): Promise<JetStreamStation> {
    checkName('station', name, this.ctx.maxNameBytes);
    const existing = await this.record(name);
    if (existing !== undefined) return this.station(name, existing);
    checkStationConfig(config);
    const record: StationRecord = {
      id: nuid.next(),
      config,
      settings: settings ?? {},
      createdAt: Date.now(),
    };
    const names = new StationNames(this.ctx.prefix, record.id);
    await createStreams(this.ctx, names, config);
    try {
      this.seen(name, await this.kv.create(stationKey(name), JSON.stringify(record)));
    } catch (err) {
      // Another broker created it first: theirs is the station.
      await deleteStreams(this.ctx, names).catch(() => {});
      const winner = await this.record(name);
      if (winner === undefined) throw jsError(`station '${name}' could not be created`, err);
      return this.station(name, winner);
    }
    return this.station(name, record);
  }

  /**
   * After a reconnect, the pulls sent to the server that went away will never answer: every
   * group drops them and pulls again through the new one.
   */
  private async followConnection(): Promise<void> {
    for await (const status of this.ctx.nc.status()) {
      if (status.type === 'reconnect') {
        this.ctx.log.warn({ server: status.server }, 'reconnected to NATS');
        for (const station of this.stations.values())
          void station.then(
            (s) => s.reconnected(),
            () => undefined,
          );
      } else if (status.type === 'disconnect')
        this.ctx.log.warn({ server: status.server }, 'disconnected from NATS; reconnecting');
    }
  }

  private seen(name: string, revision: number): void {
    if (revision > (this.revisions.get(name) ?? 0)) this.revisions.set(name, revision);
  }

  /**
   * Follows the stations bucket, once for the stations and the metadata together: what other
   * brokers create, save and delete.
   */
  private follow(): void {
    if (this.following) return;
    this.following = true;
    void this.startWatch();
  }

  private async startWatch(): Promise<void> {
    try {
      const updates = await this.kv.watch({ key: '>', include: KvWatchInclude.UpdatesOnly });
      this.watcher = updates;
      for await (const entry of updates)
        if (!this.metadata.changed(entry)) await this.changed(entry);
    } catch (err) {
      this.ctx.log.error({ err }, 'the stations bucket can no longer be watched');
    }
  }

  private async changed(entry: KvEntry): Promise<void> {
    const name = stationOfKey(entry.key);
    if (name === undefined || entry.revision <= (this.revisions.get(name) ?? 0)) return;
    this.seen(name, entry.revision);
    const open = await this.stations.get(name)?.catch(() => undefined);
    if (entry.operation === 'PUT') {
      const record = entry.json<StationRecord>();
      if (open !== undefined && open.names.id === record.id) {
        open.refresh(record.settings);
        this.emit({ kind: 'saved', name, station: open });
        return;
      }
      if (open !== undefined) await this.forget(name, open);
      // Opened from the record in hand: opening by name could create it again if it was
      // deleted in the meantime.
      const station = this.station(name, record);
      this.stations.set(name, Promise.resolve(station));
      this.emit({ kind: 'saved', name, station });
      return;
    }
    if (open !== undefined) await this.forget(name, open);
    this.emit({ kind: 'deleted', name });
  }

  private async forget(name: string, station: JetStreamStation): Promise<void> {
    if ((await this.stations.get(name)?.catch(() => undefined)) === station)
      this.stations.delete(name);
    await station.close();
  }

  private emit(change: StationChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private station(name: string, record: StationRecord): JetStreamStation {
    return new JetStreamStation(this.ctx, name, record, async (updated) => {
      try {
        this.seen(name, await this.kv.put(stationKey(name), JSON.stringify(updated)));
      } catch (err) {
        throw jsError(`the settings of station '${name}' could not be saved`, err);
      }
    });
  }

  private async record(name: string): Promise<StationRecord | undefined> {
    try {
      const entry = await this.kv.get(stationKey(name));
      if (entry === null || entry.operation !== 'PUT') return undefined;
      this.seen(name, entry.revision);
      return entry.json<StationRecord>();
    } catch (err) {
      throw jsError(`station '${name}' could not be read`, err);
    }
  }
}

/** What JetStream cannot do as asked is refused, never done differently. */
export function checkStationConfig(config: StationStoreConfig): void {
  const { dedupWindowMs, durability, storage } = config;
  if (dedupWindowMs > 0 && dedupWindowMs < MIN_DEDUP_WINDOW_MS)
    throw new FerryError(
      'INVALID_CONFIG',
      `dedupWindowMs must be 0 or at least ${MIN_DEDUP_WINDOW_MS} on the jetstream engine (JetStream's smallest duplicate window), got ${dedupWindowMs}`,
    );
  const expected = storage === 'memory' ? 'memory' : 'replicated';
  if (durability !== expected)
    throw new FerryError(
      'INVALID_CONFIG',
      `durability ${durability} is not available on the jetstream engine: a JetStream stream acknowledges once a quorum of its replicas holds the message, before any fsync (durability ${expected})`,
    );
}
