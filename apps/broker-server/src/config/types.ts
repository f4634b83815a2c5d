/**
 * The broker's configuration, after defaults, the config file, the
 * environment (FERRY_*) and the flags have been merged, in that order.
 */
import type { Durability, Limits } from '@ferry/protocol';
import type { PermissionsConfig } from '../auth/permissions.js';
import type { EngineKind } from '../backend/types.js';

export interface UserConfig {
  username: string;
  /** `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`, as `ferry-broker hash-password` prints it. */
  passwordHash: string;
  /** What the user may do; every action on every station when absent. [SEC-5] */
  permissions?: PermissionsConfig;
}

/** A named bearer token, kept only as its hash. */
export interface TokenConfig {
  /** Who the token authenticates, in logs and audit records. */
  name: string;
  /** `sha256:<64 hex digits>`, as `ferry-broker hash-token` prints it. */
  hash: string;
  /** When the token stops being accepted (ms since the epoch). [SEC-6] */
  expiresAt?: number;
  /** Every action on every station when absent. */
  permissions?: PermissionsConfig;
}

/** A client certificate identity: a certificate signed by tls.caFile with this subject CN. [SEC-7] */
export interface CertificateIdentity {
  commonName: string;
  /** The principal's name; the common name when absent. */
  name?: string;
  /** Every action on every station when absent. */
  permissions?: PermissionsConfig;
}

/** Signed, short-lived credentials: JWTs an application's backend mints. [SEC-6] */
export interface JwtConfig {
  /** HS256 shared secret (at least 32 bytes). */
  secret?: string;
  /** PEM public key (EC P-256 for ES256, RSA for RS256). */
  publicKeyFile?: string;
  /** A JSON Web Key Set file of public keys (ES256, RS256), chosen by the token's kid. */
  jwksFile?: string;
  /** The iss a token must carry, when set. */
  issuer?: string;
  /** The aud a token must carry, when set. */
  audience?: string;
}

export interface BrokerConfig {
  /** Where the embedded storage keeps its files. */
  dataDir: string;
  /** Interface both listeners bind to; loopback unless auth is configured or a host is given. [SEC-1] */
  host: string;
  /** The native protocol over TCP. */
  tcpPort: number;
  /** HTTP: the WebSocket endpoint (/ws), /livez, /readyz, /metrics and /console. */
  httpPort: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  metrics: {
    /** Serve Prometheus metrics at GET /metrics on the HTTP port. */
    enabled: boolean;
    /** Label by station and group; false adds them up, for brokers with very many. */
    perObject: boolean;
  };
  console: {
    /** Serve the web console's files at /console on the HTTP port. */
    enabled: boolean;
    /** The built console (index.html and assets/); the one packed with the broker when absent. */
    dir?: string;
  };
  auth: {
    /** A shared token clients present in hello; it may do everything. */
    token?: string;
    users: UserConfig[];
    tokens: TokenConfig[];
    certificates: CertificateIdentity[];
    jwt?: JwtConfig;
    /** Password checks running at once; more wait in a queue. [SEC-3] */
    maxConcurrentPasswordChecks: number;
    /** Password checks waiting; past it a handshake fails with OVERLOADED. */
    maxQueuedPasswordChecks: number;
    /** After a failed handshake, how long the next one from that address waits to be checked; it doubles with each failure. */
    failureDelayMs: number;
    /** The longest such wait; a handshake whose turn is further away is refused with OVERLOADED. */
    maxFailureDelayMs: number;
  };
  tls: {
    /** PEM certificate chain of the broker; with keyFile, both listeners speak TLS only. [SEC-7] */
    certFile?: string;
    /** PEM private key of certFile. */
    keyFile?: string;
    /** PEM CA certificates client certificates must be signed by. */
    caFile?: string;
    /** Client certificates: none asked, requested (checked when sent) or required. */
    clientCertificates: 'none' | 'request' | 'require';
  };
  websocket: {
    /**
     * Origins allowed to open a WebSocket; empty allows loopback and same-host origins only,
     * '*' any (browsers only send Origin). [SEC-2]
     */
    allowedOrigins: string[];
  };
  connections: {
    /** Most simultaneous connections; more are refused with TOO_MANY_CONNECTIONS. */
    max: number;
    /** Bytes queued to one connection before it is flow-controlled, then cut off with SLOW_CONSUMER. */
    maxOutboundBytes: number;
    /** How long a connection may stay flow-controlled (not reading) before it is cut off with SLOW_CONSUMER. */
    stallTimeoutMs: number;
    /** Outbound bytes of all connections together; past it, connections holding some are not read from. [LIMITS-5] */
    maxOutboundBytesTotal: number;
    /** Most connections (HTTP sockets included) that have not completed the handshake. [LIMITS-7] */
    maxPending: number;
    /** Most connections from one remote address that have not completed the handshake. */
    maxPendingPerAddress: number;
    /** An HTTP request must have sent its headers within this time. */
    httpHeadersTimeoutMs: number;
    /** An HTTP request must be complete within this time. */
    httpRequestTimeoutMs: number;
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
    /** How often age and ack-based retention run (count and bytes apply on every produce). [LIMITS-8] */
    retentionCheckMs: number;
  };
  storage: {
    /** The backend: the embedded file engine, memory only, or a NATS JetStream cluster. */
    engine: EngineKind;
    /** Roll a partition's active segment at this size; retention deletes segment files wholly below the first offset. */
    segmentBytes: number;
    /** Roll a partition's active segment at this age. */
    segmentMs: number;
    /** Most files storage keeps open at once; 'auto' sizes it from the descriptor limit. */
    maxOpenFiles: number | 'auto';
    /** Most msgIds the dedup index of all stations together remembers; the oldest go first. [LIMITS-6] */
    dedupMaxEntries: number;
    /** Bytes one memory station may hold. [LIMITS-4] */
    memoryStationMaxBytes: number;
    /** Bytes all memory stations together may hold. [LIMITS-4] */
    memoryMaxBytes: number;
  };
  /** The NATS JetStream cluster of storage.engine jetstream. */
  nats: {
    urls: string[];
    prefix: string;
    replicas: number;
    user?: string;
    password?: string;
    token?: string;
    credsFile?: string;
    tlsCaFile?: string;
    tlsCertFile?: string;
    tlsKeyFile?: string;
    timeoutMs: number;
  };
  /** Push endpoints of consumer groups (GROUP-6). */
  push: {
    /** Most requests in flight to one endpoint; a larger concurrency is INVALID_CONFIG. */
    maxConcurrency: number;
    /** A failed push's first retry delay; it doubles with each consecutive failure. */
    retryMinMs: number;
    /** The longest retry delay, Retry-After included. */
    retryMaxMs: number;
  };
  /** The schema registry (SCHEMA-1, SCHEMA-2). */
  schemas: {
    /** Most schemas; past it a create fails with QUOTA_EXCEEDED. */
    max: number;
    /** Most versions of one schema. */
    maxVersions: number;
    /** Definition bytes of every version of every schema together. */
    maxTotalBytes: number;
    /** Deepest nesting of a definition (JSON depth; message nesting for protobuf). */
    maxDepth: number;
  };
  /** The MQTT adapter: MQTT 3.1.1 and 5.0 over TCP and WebSocket (/mqtt). */
  mqtt: {
    enabled: boolean;
    port: number;
    /** MQTT connections at once, within connections.max. */
    maxConnections: number;
    /** Largest packet taken (Maximum Packet Size in a v5 CONNACK). */
    maxPacketBytes: number;
    /** QoS 1 and 2 publishes of one client awaiting their ack; at it, the socket is not read. */
    receiveMaximum: number;
    /** Payload bytes of one connection received and not yet stored; past it, not read. */
    maxPendingBytes: number;
    /** The same over every MQTT connection. */
    maxPendingBytesTotal: number;
    /** QoS 1 deliveries to one client awaiting PUBACK. */
    maxInflight: number;
    /** Topic filters of one client. */
    maxSubscriptions: number;
    /** Longest session expiry; a v3.1.1 persistent session's. */
    maxSessionExpirySeconds: number;
    /** Persistent sessions kept. */
    maxSessions: number;
    /** Retained messages kept, and their payload bytes together. */
    maxRetained: number;
    maxRetainedBytes: number;
    /** Topic aliases a v5 client may set. */
    topicAliasMaximum: number;
    /** Longest keep-alive; a v5 client asking more (or none) is told this one. */
    maxKeepAliveSeconds: number;
    /** Topic filters naming the station of the topics they match; first match wins. */
    stations: MqttStationRule[];
    /** The full topic as the message key (per-topic order), or no key. */
    key: 'topic' | 'none';
  };
  /** Grace period for in-flight work on SIGTERM before connections are closed. */
  shutdownGraceMs: number;
}

/** A topic filter and the station of the topics it matches. */
export interface MqttStationRule {
  topic: string;
  station: string;
}
