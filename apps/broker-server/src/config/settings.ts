/**
 * Every setting of the broker in one table: its default, its description
 * and how its value is read, plus the flag and FERRY_* variable for those
 * settable outside the config file. The command line, the environment
 * mapping, the help and the defaults are all built from it, so they cannot
 * drift; the `satisfies` clause makes it cover BrokerConfig exactly.
 */
import { DEFAULT_LIMITS, DURABILITY_VALUES } from '@ferry/protocol';
import { ENGINE_KINDS } from '../backend/types.js';
import {
  DEFAULT_MEMORY_MAX_BYTES,
  DEFAULT_MEMORY_STATION_MAX_BYTES,
} from '../storage/memory-budget.js';
import { certificates, jwt, tokens, users } from './auth-values.js';
import { mqttKey, mqttStations } from './mqtt-values.js';
import type { BrokerConfig } from './types.js';
import {
  autoOr,
  boolean,
  durationMs,
  integer,
  type JsonValue,
  limits,
  natsUrls,
  nonEmptyString,
  oneOf,
  origins,
  port,
  positive,
  type TextValue,
} from './values.js';

type Group =
  | 'auth'
  | 'tls'
  | 'websocket'
  | 'connections'
  | 'stations'
  | 'storage'
  | 'metrics'
  | 'console'
  | 'push'
  | 'schemas'
  | 'mqtt'
  | 'nats';

/** A setting's key: top-level, or `group.leaf` for the grouped ones. */
export type SettingPath = {
  [K in keyof BrokerConfig]-?: K extends Group ? `${K}.${keyof BrokerConfig[K] & string}` : K;
}[keyof BrokerConfig];

type ValueAt<P extends SettingPath> = P extends `${infer G extends Group}.${infer L}`
  ? L extends keyof BrokerConfig[G]
    ? BrokerConfig[G][L]
    : never
  : P extends keyof BrokerConfig
    ? BrokerConfig[P]
    : never;

interface FileSetting<T> {
  default: T;
  description: string;
  value: JsonValue<T>;
}

/** A setting that a flag and a FERRY_* variable can also set. */
export interface CliSetting<T> extends FileSetting<T> {
  value: TextValue<T>;
  /** In commander's syntax, e.g. `--tcp-port <port>`. */
  flag: string;
  env: string;
  /** What the flag does, when that is not the description: a `--no-` flag turns the setting off. */
  flagDescription?: string;
}

export type Setting<T = unknown> = FileSetting<T> | CliSetting<T>;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * What a station of the embedded file engine can be set to; memory is what memory stations
 * report, replicated what the jetstream engine gives, neither a setting.
 */
const DISK_DURABILITY_VALUES = DURABILITY_VALUES.filter(
  (d) => d !== 'memory' && d !== 'replicated',
);

const SETTINGS = {
  dataDir: {
    default: './data',
    description:
      "Directory of the stored data; relative to the working directory (in the config file: to the file's)",
    value: nonEmptyString,
    flag: '--data-dir <dir>',
    env: 'FERRY_DATA_DIR',
  },
  host: {
    default: '127.0.0.1',
    description:
      'Interface both listeners bind to; without auth the default is loopback only, with auth (token or users) 0.0.0.0',
    value: nonEmptyString,
    flag: '--host <host>',
    env: 'FERRY_HOST',
  },
  tcpPort: {
    default: 6666,
    description: 'TCP port of the native protocol (0: any free port)',
    value: port,
    flag: '--tcp-port <port>',
    env: 'FERRY_TCP_PORT',
  },
  httpPort: {
    default: 9000,
    description:
      'HTTP port: WebSocket endpoint, /livez, /readyz, /metrics, /console (0: any free port)',
    value: port,
    flag: '--http-port <port>',
    env: 'FERRY_HTTP_PORT',
  },
  logLevel: {
    default: 'info',
    description: `Log level: ${LOG_LEVELS.join(', ')}`,
    value: oneOf(LOG_LEVELS),
    flag: '--log-level <level>',
    env: 'FERRY_LOG_LEVEL',
  },
  'metrics.enabled': {
    default: true,
    description: 'Serve Prometheus metrics at GET /metrics on the HTTP port (false: 404)',
    value: boolean,
    flag: '--metrics <true|false>',
    env: 'FERRY_METRICS',
  },
  'metrics.perObject': {
    default: true,
    description:
      'Label metrics by station and group; false adds them up over all stations and groups, for brokers with very many',
    value: boolean,
    flag: '--metrics-per-object <true|false>',
    env: 'FERRY_METRICS_PER_OBJECT',
  },
  'console.enabled': {
    default: true,
    description: 'Serve the web console at /console/ on the HTTP port (false: 404)',
    value: boolean,
    flag: '--console <true|false>',
    env: 'FERRY_CONSOLE',
  },
  'console.dir': {
    default: undefined,
    description:
      'Directory of the built console (index.html, assets/), relative to the working directory; none: the one packed with the broker, else the workspace build (apps/console/dist)',
    value: nonEmptyString,
    flag: '--console-dir <dir>',
    env: 'FERRY_CONSOLE_DIR',
  },
  'auth.token': {
    default: undefined,
    description: 'Shared token clients present in hello (a flag shows in ps: prefer the variable)',
    value: nonEmptyString,
    flag: '--auth-token <token>',
    env: 'FERRY_AUTH_TOKEN',
  },
  'auth.users': {
    default: [],
    description:
      'Users: [{ "username", "passwordHash", "permissions" }], hashes from `ferry-broker hash-password`; without permissions a user may do everything',
    value: users,
  },
  'auth.tokens': {
    default: [],
    description:
      'Named tokens: [{ "name", "hash", "expiresAt", "permissions" }], made by `ferry-broker hash-token`; without permissions a token may do everything',
    value: tokens,
  },
  'auth.certificates': {
    default: [],
    description:
      'Client certificate identities (with tls.clientCertificates): [{ "commonName", "name", "permissions" }]',
    value: certificates,
  },
  'auth.jwt': {
    default: undefined,
    description:
      'Accept JWTs as tokens: { "secret" (HS256) | "publicKeyFile" | "jwksFile" (ES256, RS256), "issuer", "audience" }; sub names the principal, exp is required, the ferry claim holds the permissions',
    value: jwt,
  },
  'auth.maxConcurrentPasswordChecks': {
    default: 1,
    description:
      'Password checks (scrypt) running at once; they share the thread pool with storage I/O, which has 4 threads unless UV_THREADPOOL_SIZE says otherwise',
    value: positive,
  },
  'auth.maxQueuedPasswordChecks': {
    default: 16,
    description: 'Password checks waiting to run; past it a handshake fails with OVERLOADED',
    value: integer(0),
  },
  'auth.failureDelayMs': {
    default: 100,
    description:
      'After a failed handshake, how long the next one from the same address waits before its credentials are checked; each further failure doubles it (0: no wait)',
    value: integer(0, 2 ** 31 - 1),
  },
  'auth.maxFailureDelayMs': {
    default: 5000,
    description:
      'The longest such wait; a handshake whose turn is further away is refused with OVERLOADED',
    value: integer(0, 2 ** 31 - 1),
  },
  'tls.certFile': {
    default: undefined,
    description:
      'PEM certificate (chain) of the broker; with tls.keyFile the TCP port serves ferrys:// and the HTTP port https:// and wss:// only (reloaded on SIGHUP)',
    value: nonEmptyString,
    flag: '--tls-cert <file>',
    env: 'FERRY_TLS_CERT',
  },
  'tls.keyFile': {
    default: undefined,
    description: 'PEM private key of tls.certFile (reloaded on SIGHUP)',
    value: nonEmptyString,
    flag: '--tls-key <file>',
    env: 'FERRY_TLS_KEY',
  },
  'tls.caFile': {
    default: undefined,
    description: 'PEM CA certificates that client certificates must be signed by',
    value: nonEmptyString,
    flag: '--tls-ca <file>',
    env: 'FERRY_TLS_CA',
  },
  'tls.clientCertificates': {
    default: 'none',
    description:
      'Client certificates (mTLS): none, request (checked against tls.caFile when sent) or require',
    value: oneOf(['none', 'request', 'require'] as const),
    flag: '--tls-client-certificates <mode>',
    env: 'FERRY_TLS_CLIENT_CERTIFICATES',
  },
  'websocket.allowedOrigins': {
    default: [],
    description:
      "Origins allowed to open a WebSocket, e.g. https://app.example.com; '*': any (none: loopback and same-host origins only)",
    value: origins,
    flag: '--ws-allowed-origin <origin...>',
    env: 'FERRY_WS_ALLOWED_ORIGINS',
  },
  'connections.max': {
    default: 10_000,
    description: 'Most simultaneous connections',
    value: positive,
    flag: '--max-connections <n>',
    env: 'FERRY_MAX_CONNECTIONS',
  },
  'connections.maxOutboundBytes': {
    default: 64 * 1024 * 1024,
    description: 'Bytes queued to one connection before it is flow-controlled, then cut off',
    value: positive,
    flag: '--max-outbound-bytes <bytes>',
    env: 'FERRY_MAX_OUTBOUND_BYTES',
  },
  'connections.stallTimeoutMs': {
    default: 30_000,
    description:
      'How long a connection may stay flow-controlled (not reading) before it is cut off',
    value: durationMs(1),
    flag: '--stall-timeout-ms <ms>',
    env: 'FERRY_STALL_TIMEOUT_MS',
  },
  'connections.maxOutboundBytesTotal': {
    default: 256 * 1024 * 1024,
    description:
      'Bytes queued to all connections together; past it, connections holding some are not read from until they drain',
    value: positive,
    flag: '--max-outbound-bytes-total <bytes>',
    env: 'FERRY_MAX_OUTBOUND_BYTES_TOTAL',
  },
  'connections.maxPending': {
    default: 1024,
    description:
      'Most connections, HTTP sockets included, that have not completed the handshake; more are refused',
    value: positive,
    flag: '--max-pending-connections <n>',
    env: 'FERRY_MAX_PENDING_CONNECTIONS',
  },
  'connections.maxPendingPerAddress': {
    default: 64,
    description: 'Most connections from one remote address that have not completed the handshake',
    value: positive,
    flag: '--max-pending-connections-per-address <n>',
    env: 'FERRY_MAX_PENDING_CONNECTIONS_PER_ADDRESS',
  },
  'connections.httpHeadersTimeoutMs': {
    default: 10_000,
    description: 'An HTTP request must have sent its headers within this time',
    value: durationMs(100),
    flag: '--http-headers-timeout-ms <ms>',
    env: 'FERRY_HTTP_HEADERS_TIMEOUT_MS',
  },
  'connections.httpRequestTimeoutMs': {
    default: 30_000,
    description: 'An HTTP request must be complete within this time',
    value: durationMs(100),
    flag: '--http-request-timeout-ms <ms>',
    env: 'FERRY_HTTP_REQUEST_TIMEOUT_MS',
  },
  limits: {
    default: DEFAULT_LIMITS,
    description:
      'Protocol limit overrides, e.g. { "maxMessageBytes": 2097152 }; the rest keep the spec defaults',
    value: limits,
  },
  'stations.autoCreate': {
    default: true,
    description: 'Create a station on first produce or subscribe',
    value: boolean,
    flag: '--no-auto-create-stations',
    flagDescription:
      'Do not create a station on first produce or subscribe: answer STATION_NOT_FOUND instead',
    env: 'FERRY_AUTO_CREATE_STATIONS',
  },
  'stations.max': {
    default: 10_000,
    description: 'Most stations the broker holds; creating more fails with QUOTA_EXCEEDED',
    value: positive,
    flag: '--max-stations <n>',
    env: 'FERRY_MAX_STATIONS',
  },
  'stations.maxPartitionsTotal': {
    default: 100_000,
    description:
      'Most partitions of all stations together; past it creation fails with QUOTA_EXCEEDED',
    value: positive,
    flag: '--max-partitions-total <n>',
    env: 'FERRY_MAX_PARTITIONS_TOTAL',
  },
  'stations.maxGroups': {
    default: 1000,
    description: 'Most consumer groups of one station; past it creation fails with QUOTA_EXCEEDED',
    value: positive,
    flag: '--max-groups-per-station <n>',
    env: 'FERRY_MAX_GROUPS_PER_STATION',
  },
  'stations.defaultPartitions': {
    default: 1,
    description: 'Partitions of an auto-created station',
    value: positive,
  },
  'stations.defaultDurability': {
    default: 'always',
    description: `Durability of an auto-created station: ${DISK_DURABILITY_VALUES.join(', ')}`,
    value: oneOf(DISK_DURABILITY_VALUES),
  },
  'stations.defaultFlushIntervalMs': {
    default: 100,
    description: 'With durability interval, the longest time between fsyncs',
    value: durationMs(1),
  },
  'stations.defaultDedupWindowMs': {
    default: 120_000,
    description: 'How long a msgId is remembered for deduplication (0 disables it)',
    value: integer(0),
  },
  'stations.defaultAckTimeoutMs': {
    default: 30_000,
    description: 'Redeliver a message not acknowledged within this time',
    value: durationMs(1),
  },
  'stations.defaultMaxDeliveries': {
    default: 5,
    description: 'Dead-letter a message after this many deliveries',
    value: integer(1, 2 ** 32 - 1),
  },
  'stations.retentionCheckMs': {
    default: 10_000,
    description:
      'How often age and ack-based retention run, and first offsets are written (count and bytes apply on every produce)',
    value: durationMs(1),
  },
  'storage.engine': {
    default: 'file',
    description:
      'Where stations live: file (the embedded engine, in dataDir, durable), memory (everything in memory within memoryMaxBytes, gone when the broker stops; stations must use storage memory) or jetstream (a NATS JetStream cluster at nats.urls, shared by every broker on it)',
    value: oneOf(ENGINE_KINDS),
    flag: '--storage-engine <engine>',
    env: 'FERRY_STORAGE_ENGINE',
  },
  'storage.segmentBytes': {
    default: 64 * 1024 * 1024,
    description:
      'Roll a partition segment at this size; retention moves the first offset to the record and deletes segment files once wholly below it',
    value: integer(1024, 2 ** 31),
  },
  'storage.segmentMs': {
    default: 24 * 3600_000,
    description: 'Roll a partition segment at this age',
    value: durationMs(1000),
  },
  'storage.maxOpenFiles': {
    default: 'auto',
    description:
      'Most files storage keeps open at once (segments, journals); idle ones are closed and reopened on use. auto: sized from the descriptor limit, leaving room for the connections',
    value: autoOr(integer(8)),
    flag: '--max-open-files <n>',
    env: 'FERRY_MAX_OPEN_FILES',
  },
  'storage.dedupMaxEntries': {
    default: 1_000_000,
    description:
      'Most msgIds the dedup index of all stations together remembers (about 100 bytes each); past it the oldest are forgotten first, even within their window',
    value: positive,
    flag: '--dedup-max-entries <n>',
    env: 'FERRY_DEDUP_MAX_ENTRIES',
  },
  // Defaults and their reasons: storage/memory-budget.ts.
  'storage.memoryStationMaxBytes': {
    default: DEFAULT_MEMORY_STATION_MAX_BYTES,
    description:
      'Bytes one memory station may hold (its records as encoded, in slabs); past it a produce fails with OVERLOADED, unless retention maxMessages or maxBytes drops the oldest',
    value: positive,
    flag: '--memory-station-max-bytes <bytes>',
    env: 'FERRY_MEMORY_STATION_MAX_BYTES',
  },
  'storage.memoryMaxBytes': {
    default: DEFAULT_MEMORY_MAX_BYTES,
    description:
      'Bytes all memory stations together may hold; past it a produce to one fails with OVERLOADED',
    value: positive,
    flag: '--memory-max-bytes <bytes>',
    env: 'FERRY_MEMORY_MAX_BYTES',
  },
  'nats.urls': {
    default: ['nats://127.0.0.1:4222'],
    description:
      'With storage.engine jetstream: the NATS servers, comma-separated (nats:// or tls://); the client fails over among them',
    value: natsUrls,
    flag: '--nats-url <urls>',
    env: 'FERRY_NATS_URL',
  },
  'nats.prefix': {
    default: 'ferry',
    description:
      'Prefix of the streams, subjects and KV bucket Ferry makes on JetStream; brokers with the same prefix serve the same stations',
    value: nonEmptyString,
    flag: '--nats-prefix <prefix>',
    env: 'FERRY_NATS_PREFIX',
  },
  'nats.replicas': {
    default: 1,
    description:
      'Replicas of every stream of a station and of the stations bucket: 1, 3 or 5 (3 on a 3-node cluster survives one node down)',
    value: integer(1, 5),
    flag: '--nats-replicas <n>',
    env: 'FERRY_NATS_REPLICAS',
  },
  'nats.user': {
    default: undefined,
    description: 'NATS user name (with nats.password)',
    value: nonEmptyString,
    flag: '--nats-user <name>',
    env: 'FERRY_NATS_USER',
  },
  'nats.password': {
    default: undefined,
    description: 'NATS password of nats.user (a flag shows in ps: prefer the variable)',
    value: nonEmptyString,
    flag: '--nats-password <password>',
    env: 'FERRY_NATS_PASSWORD',
  },
  'nats.token': {
    default: undefined,
    description: 'NATS authentication token (a flag shows in ps: prefer the variable)',
    value: nonEmptyString,
    flag: '--nats-token <token>',
    env: 'FERRY_NATS_TOKEN',
  },
  'nats.credsFile': {
    default: undefined,
    description: 'NATS credentials file (a user JWT and its NKey seed)',
    value: nonEmptyString,
    flag: '--nats-creds <file>',
    env: 'FERRY_NATS_CREDS',
  },
  'nats.tlsCaFile': {
    default: undefined,
    description: "PEM CA certificates the NATS servers' certificates must be signed by",
    value: nonEmptyString,
    flag: '--nats-tls-ca <file>',
    env: 'FERRY_NATS_TLS_CA',
  },
  'nats.tlsCertFile': {
    default: undefined,
    description:
      'PEM client certificate for NATS servers that verify clients (with nats.tlsKeyFile)',
    value: nonEmptyString,
    flag: '--nats-tls-cert <file>',
    env: 'FERRY_NATS_TLS_CERT',
  },
  'nats.tlsKeyFile': {
    default: undefined,
    description: 'PEM private key of nats.tlsCertFile',
    value: nonEmptyString,
    flag: '--nats-tls-key <file>',
    env: 'FERRY_NATS_TLS_KEY',
  },
  'nats.timeoutMs': {
    default: 5_000,
    description:
      'How long one call to JetStream may take before it fails with TIMEOUT (a leader election takes a few seconds)',
    value: durationMs(100),
    flag: '--nats-timeout-ms <ms>',
    env: 'FERRY_NATS_TIMEOUT_MS',
  },
  'push.maxConcurrency': {
    default: 64,
    description:
      'Most requests in flight to one push endpoint of a consumer group; a larger concurrency is INVALID_CONFIG',
    value: integer(1, 1024),
    flag: '--push-max-concurrency <n>',
    env: 'FERRY_PUSH_MAX_CONCURRENCY',
  },
  'push.retryMinMs': {
    default: 1000,
    description:
      'Delay before a failed push is retried; it doubles with each consecutive failure of the endpoint (with jitter)',
    value: durationMs(1),
    flag: '--push-retry-min-ms <ms>',
    env: 'FERRY_PUSH_RETRY_MIN_MS',
  },
  'push.retryMaxMs': {
    default: 60_000,
    description: 'Longest delay before a failed push is retried, a Retry-After answer included',
    value: durationMs(1),
    flag: '--push-retry-max-ms <ms>',
    env: 'FERRY_PUSH_RETRY_MAX_MS',
  },
  'schemas.max': {
    default: 1000,
    description: 'Most schemas in the registry; past it schemaCreate fails with QUOTA_EXCEEDED',
    value: integer(0, 1_000_000),
  },
  'schemas.maxVersions': {
    default: 100,
    description: 'Most versions of one schema; past it schemaAddVersion fails with QUOTA_EXCEEDED',
    value: integer(1, DEFAULT_LIMITS.maxListItems),
  },
  'schemas.maxTotalBytes': {
    default: 64 * 1024 * 1024,
    description:
      'Definition bytes of every version of every schema together (the registry keeps them in memory); past it a new version fails with QUOTA_EXCEEDED',
    value: integer(0, Number.MAX_SAFE_INTEGER),
  },
  'schemas.maxDepth': {
    default: 32,
    description:
      'Deepest nesting of a schema definition (JSON depth of a JSON Schema or Avro schema, message nesting of a .proto); a deeper one is SCHEMA_INVALID',
    value: integer(1, 256),
  },
  'mqtt.enabled': {
    default: false,
    description:
      'Serve MQTT 3.1.1 and 5.0: over TCP on mqtt.port (TLS when tls.* is set) and over WebSocket at /mqtt on the HTTP port',
    value: boolean,
    flag: '--mqtt <true|false>',
    env: 'FERRY_MQTT',
  },
  'mqtt.port': {
    default: 1883,
    description: 'TCP port of MQTT when mqtt.enabled (0: any free port)',
    value: port,
    flag: '--mqtt-port <port>',
    env: 'FERRY_MQTT_PORT',
  },
  'mqtt.maxConnections': {
    default: 1000,
    description: 'MQTT connections at once (within connections.max); more are refused',
    value: integer(1, 1_000_000),
  },
  'mqtt.maxPacketBytes': {
    default: 1024 * 1024 + 64 * 1024,
    description:
      'Largest MQTT packet taken, told to v5 clients as Maximum Packet Size; a larger one closes the connection (v5: DISCONNECT 0x95)',
    value: integer(64, 256 * 1024 * 1024),
  },
  'mqtt.receiveMaximum': {
    default: 1024,
    description:
      'QoS 1 and 2 publishes of one client awaiting their ack (Receive Maximum of a v5 CONNACK); at it the connection is not read until acks go out',
    value: integer(1, 65535),
  },
  'mqtt.maxPendingBytes': {
    default: 8 * 1024 * 1024,
    description:
      'Payload bytes one MQTT connection has sent that are not yet stored; past it the connection is not read',
    value: positive,
  },
  'mqtt.maxPendingBytesTotal': {
    default: 256 * 1024 * 1024,
    description:
      'Payload bytes of every MQTT connection together not yet stored; past it the connections holding some are not read',
    value: positive,
  },
  'mqtt.maxInflight': {
    default: 256,
    description:
      "QoS 1 deliveries to one client awaiting PUBACK (the client's Receive Maximum may lower it)",
    value: integer(1, 65535),
  },
  'mqtt.maxSubscriptions': {
    default: 64,
    description: 'Topic filters of one client; past it SUBACK refuses (v5: 0x97 Quota exceeded)',
    value: integer(1, 100_000),
  },
  'mqtt.maxSessionExpirySeconds': {
    default: 7 * 24 * 3600,
    description:
      'Longest session expiry a v5 client gets, and the expiry of a v3.1.1 session with cleanSession false',
    value: integer(0, 0xffffffff),
  },
  'mqtt.maxSessions': {
    default: 10_000,
    description: 'Persistent sessions kept; past it a client asking for one is refused (v5: 0x97)',
    value: integer(0, 10_000_000),
  },
  'mqtt.maxRetained': {
    default: 10_000,
    description:
      'Retained messages kept; past it a retained publish on a new topic is refused over MQTT 5 (PUBACK 0x97), stored and delivered but not retained over 3.1.1 (with a warning)',
    value: integer(0, 10_000_000),
  },
  'mqtt.maxRetainedBytes': {
    default: 64 * 1024 * 1024,
    description: 'Payload bytes of the retained messages together (they are kept in memory)',
    value: integer(0, Number.MAX_SAFE_INTEGER),
  },
  'mqtt.topicAliasMaximum': {
    default: 16,
    description: 'Topic aliases a v5 client may set on its publishes (Topic Alias Maximum)',
    value: integer(0, 65535),
  },
  'mqtt.maxKeepAliveSeconds': {
    default: 600,
    description:
      'Longest keep-alive; a v5 client asking for more, or for none, is told this one (Server Keep Alive)',
    value: integer(1, 65535),
  },
  'mqtt.stations': {
    default: [],
    description:
      'Rules [{ "topic": "<filter>", "station": "<name>" }] naming the station of the topics a filter matches, first match first; other topics go to the station named by their first level',
    value: mqttStations,
  },
  'mqtt.key': {
    default: 'topic',
    description:
      'Key of a message published over MQTT: topic (its full topic: order per topic) or none',
    value: mqttKey,
    flag: '--mqtt-key <topic|none>',
    env: 'FERRY_MQTT_KEY',
  },
  shutdownGraceMs: {
    default: 5000,
    description: 'Time in-flight work gets on SIGTERM before connections are closed',
    value: durationMs(0),
    flag: '--shutdown-grace-ms <ms>',
    env: 'FERRY_SHUTDOWN_GRACE_MS',
  },
} satisfies { [P in SettingPath]: Setting<ValueAt<P>> };

/** The table in declaration order (the order of the help). */
export const SETTING_LIST = Object.entries(SETTINGS) as [SettingPath, Setting][];

export const SETTINGS_BY_PATH: ReadonlyMap<string, Setting> = new Map(SETTING_LIST);

export function isCliSetting(setting: Setting): setting is CliSetting<unknown> {
  return 'flag' in setting;
}

/** Variable naming the JSON config file; the only FERRY_* variable that is not a setting. */
export const CONFIG_ENV = 'FERRY_CONFIG';

/** How help shows a default; undefined for one too long to show (limits). */
export function showDefault(value: unknown): string | undefined {
  if (value === undefined) return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(',');
  return typeof value === 'object' ? undefined : String(value);
}

/** Assembles a config from one value per setting (undefined leaves an optional key out). */
export function assembleConfig(values: ReadonlyMap<SettingPath, unknown>): BrokerConfig {
  const config: Record<string, unknown> = {};
  for (const [path, value] of values) {
    if (value === undefined) continue;
    const [group, leaf] = path.split('.') as [string, string | undefined];
    if (leaf === undefined) {
      config[group] = value;
    } else {
      const section = (config[group] ?? {}) as Record<string, unknown>;
      section[leaf] = value;
      config[group] = section;
    }
  }
  // Every path of BrokerConfig has a value: defaults fill what the sources leave out.
  return config as unknown as BrokerConfig;
}
