/**
 * The broker's configuration, after defaults, the config file, the
 * environment (FERRY_*) and the flags have been merged, in that order.
 */
import type { Durability, Limits } from '@ferry/protocol';

export interface UserConfig {
  username: string;
  /** `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, as `ferry-broker hash-password` prints it. */
  passwordHash: string;
}

export interface BrokerConfig {
  /** Where the embedded storage keeps its files. */
  dataDir: string;
  /** Interface both listeners bind to. */
  host: string;
  /** The native protocol over TCP. */
  tcpPort: number;
  /** HTTP: the WebSocket endpoint (/ws), /livez and /readyz. */
  httpPort: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  auth: {
    /** A shared token clients present in hello. */
    token?: string;
    users: UserConfig[];
  };
  websocket: {
    /** Origins allowed to open a WebSocket; empty allows any (browsers only send Origin). */
    allowedOrigins: string[];
  };
  connections: {
    /** Most simultaneous connections; more are refused with TOO_MANY_CONNECTIONS. */
    max: number;
    /** Bytes queued to one connection before it is flow-controlled, then cut off with SLOW_CONSUMER. */
    maxOutboundBytes: number;
    /** How long a connection may stay flow-controlled (not reading) before it is cut off with SLOW_CONSUMER. */
    stallTimeoutMs: number;
  };
  /** The protocol limits the broker enforces and advertises in welcome. */
  limits: Limits;
  stations: {
    /** Create a station on first produce or subscribe with the defaults below. */
    autoCreate: boolean;
    /** Most stations; past it a create fails with QUOTA_EXCEEDED. */
    max: number;
    /** Most partitions of all stations together. */
    maxPartitionsTotal: number;
    /** Most consumer groups of one station. */
    maxGroups: number;
    defaultPartitions: number;
    defaultDurability: Durability;
    defaultFlushIntervalMs: number;
    defaultDedupWindowMs: number;
    defaultAckTimeoutMs: number;
    defaultMaxDeliveries: number;
    /** How often retention runs. */
    retentionCheckMs: number;
  };
  storage: {
    /** Roll a partition's active segment at this size; retention deletes whole segments. */
    segmentBytes: number;
    /** Roll a partition's active segment at this age. */
    segmentMs: number;
    /** Most files storage keeps open at once; 'auto' sizes it from the descriptor limit. */
    maxOpenFiles: number | 'auto';
    /** Most msgIds the dedup index of all stations together remembers; the oldest go first. [LIMITS-6] */
    dedupMaxEntries: number;
  };
  /** Grace period for in-flight work on SIGTERM before connections are closed. */
  shutdownGraceMs: number;
}
