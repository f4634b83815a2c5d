/**
 * The sessions of every client: which connection holds each client id now (a second CONNECT
 * takes it over [MQTT-3.1.4-3]), and the persistent sessions, kept in the broker's metadata so
 * that they outlive connections and restarts. A persistent session's subscriptions read through
 * consumer groups named for its client id, so messages published while it is away wait in the
 * stations; a session not resumed within its expiry interval is removed with its groups.
 * [MQTT-3.1.2-23]
 */
import type { QoS } from 'mqtt-packet';
import type { MetadataStore } from '../backend/types.js';
import type { GroupRegistry } from '../broker/groups/registry.js';
import type { StationRegistry } from '../broker/stations/registry.js';
import type { ServerLogger } from '../server/context.js';
import type { MqttMetrics } from './metrics.js';
import { SESSIONS_PREFIX, sessionGroup, sessionKey } from './names.js';

export interface StoredSubscription {
  key: string;
  filter: string;
  qos: QoS;
  share?: string;
  stations: string[];
}

export interface SessionRecord {
  clientId: string;
  expirySeconds: number;
  subscriptions: StoredSubscription[];
  /** When its last connection ended; absent while connected. */
  disconnectedAt?: number;
}

/** What holds a client id now: a connection, closed when another takes it over. */
export interface SessionHolder {
  /** Closes the connection for a takeover; resolves once its session has let go of its groups. */
  takenOver(): Promise<void>;
}

const SWEEP_MS = 30_000;

function isRecord(value: unknown): value is SessionRecord {
  const v = value as Partial<SessionRecord> | undefined;
  return typeof v?.clientId === 'string' && Array.isArray(v.subscriptions);
}

export class SessionStore {
  private readonly records = new Map<string, SessionRecord>();
  private readonly holders = new Map<string, SessionHolder>();
  private readonly wills = new Map<string, NodeJS.Timeout>();
  /** The QoS 2 packet ids each stored session holds between PUBREC and PUBREL. */
  private readonly received = new Map<string, Set<number>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly stations: StationRegistry,
    private readonly groups: GroupRegistry,
    private readonly maxSessions: number,
    private readonly metrics: MqttMetrics,
    private readonly log: ServerLogger,
  ) {}

  /** Loads the persistent sessions; those connected when the broker stopped count as left now. */
  async start(): Promise<void> {
    const now = Date.now();
    for (const { value } of await this.metadata.list(SESSIONS_PREFIX))
      if (isRecord(value)) this.records.set(value.clientId, { disconnectedAt: now, ...value });
    this.metrics.sessions.set(undefined, this.records.size);
    // Sessions made or resumed through other brokers of the cluster.
    this.metadata.watch?.(SESSIONS_PREFIX, (key, value) => {
      if (isRecord(value)) this.records.set(value.clientId, value);
      else if (value === undefined)
        for (const clientId of this.records.keys())
          if (sessionKey(clientId) === key) this.records.delete(clientId);
      this.metrics.sessions.set(undefined, this.records.size);
    });
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    for (const timer of this.wills.values()) clearTimeout(timer);
    this.wills.clear();
  }

  /** Makes `holder` the connection of `clientId`, closing the one that held it. [MQTT-3.1.4-3] */
  async claim(clientId: string, holder: SessionHolder): Promise<void> {
    const previous = this.holders.get(clientId);
    this.holders.set(clientId, holder);
    if (previous !== undefined) await previous.takenOver();
  }

  /** `holder` let go of `clientId` (its connection ended). */
  release(clientId: string, holder: SessionHolder): void {
    if (this.holders.get(clientId) === holder) this.holders.delete(clientId);
  }

  /** The stored session of `clientId`; one that has expired is removed first. [MQTT-3.1.2-23] */
  async find(clientId: string): Promise<SessionRecord | undefined> {
    const record = this.records.get(clientId);
    if (record === undefined || !this.expired(record)) return record;
    await this.discard(clientId);
    return undefined;
  }

  /**
   * The QoS 2 packet ids `clientId` has PUBRECed and not seen PUBREL for: part of a stored
   * session, so a PUBLISH sent again after a reconnect is not stored twice. [MQTT-4.3.3-10]
   * Kept in memory: a broker restart forgets them (the message may then be stored twice).
   */
  receivedOf(clientId: string): Set<number> {
    let ids = this.received.get(clientId);
    if (ids === undefined) {
      ids = new Set();
      this.received.set(clientId, ids);
    }
    return ids;
  }

  /** Whether a new persistent session fits under mqtt.maxSessions. */
  hasRoom(clientId: string): boolean {
    return this.records.has(clientId) || this.records.size < this.maxSessions;
  }

  async save(record: SessionRecord): Promise<void> {
    await this.metadata.put(sessionKey(record.clientId), record);
    this.records.set(record.clientId, record);
    this.metrics.sessions.set(undefined, this.records.size);
  }

  /** Removes the stored session of `clientId` and the groups its subscriptions read through. */
  async discard(clientId: string): Promise<void> {
    this.received.delete(clientId);
    const record = this.records.get(clientId);
    if (record === undefined) return;
    this.records.delete(clientId);
    this.metrics.sessions.set(undefined, this.records.size);
    await this.metadata.delete(sessionKey(clientId));
    const stations = new Set<string>();
    for (const s of record.subscriptions)
      if (s.share === undefined) for (const st of s.stations) stations.add(st);
    for (const name of stations) await this.deleteGroup(name, sessionGroup(clientId));
  }

  /** Deletes a group if it is there; a station or group already gone is nothing to do. */
  async deleteGroup(stationName: string, group: string): Promise<void> {
    try {
      const station = this.stations.get(stationName);
      await this.groups.deleteGroup(station, group, true);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'STATION_NOT_FOUND' && code !== 'GROUP_NOT_FOUND')
        this.log.warn({ err, station: stationName, group }, 'an MQTT group could not be deleted');
    }
  }

  /** Runs `publish` after `delayMs` unless the client connects again first. [MQTT-3.1.3-9] */
  delayWill(clientId: string, delayMs: number, publish: () => void): void {
    this.cancelWill(clientId);
    const timer = setTimeout(() => {
      this.wills.delete(clientId);
      publish();
    }, delayMs);
    timer.unref();
    this.wills.set(clientId, timer);
  }

  cancelWill(clientId: string): void {
    clearTimeout(this.wills.get(clientId));
    this.wills.delete(clientId);
  }

  private expired(record: SessionRecord, now = Date.now()): boolean {
    return (
      record.disconnectedAt !== undefined &&
      now >= record.disconnectedAt + record.expirySeconds * 1000
    );
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const record of [...this.records.values()]) {
      if (this.holders.has(record.clientId) || !this.expired(record, now)) continue;
      try {
        await this.discard(record.clientId);
        this.log.info({ clientId: record.clientId }, 'MQTT session expired');
      } catch (err) {
        this.log.warn(
          { err, clientId: record.clientId },
          'an expired MQTT session could not be removed',
        );
      }
    }
  }
}
