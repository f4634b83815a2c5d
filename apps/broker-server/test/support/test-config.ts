/** A complete BrokerConfig for tests: loopback, ephemeral ports, spec default limits. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '@ferry/protocol';
import type { BrokerConfig } from '../../src/config/types.js';

/** Top-level values replace the defaults; the sections (limits, auth, ...) merge one level deep. */
export type TestConfigOverrides = {
  [K in keyof BrokerConfig]?: BrokerConfig[K] extends string | number | unknown[]
    ? BrokerConfig[K]
    : Partial<BrokerConfig[K]>;
};

export function testConfig(overrides: TestConfigOverrides = {}): BrokerConfig {
  return {
    dataDir: overrides.dataDir ?? join(tmpdir(), 'ferry-test-unused'),
    host: overrides.host ?? '127.0.0.1',
    tcpPort: overrides.tcpPort ?? 0,
    httpPort: overrides.httpPort ?? 0,
    logLevel: overrides.logLevel ?? 'silent',
    metrics: { enabled: true, perObject: true, ...overrides.metrics },
    console: { enabled: true, ...overrides.console },
    auth: {
      users: [],
      tokens: [],
      certificates: [],
      maxConcurrentPasswordChecks: 1,
      maxQueuedPasswordChecks: 16,
      failureDelayMs: 0,
      maxFailureDelayMs: 0,
      ...overrides.auth,
    },
    tls: { clientCertificates: 'none', ...overrides.tls },
    websocket: { allowedOrigins: [], ...overrides.websocket },
    connections: {
      max: 64,
      maxOutboundBytes: 1024 * 1024,
      stallTimeoutMs: 30_000,
      maxOutboundBytesTotal: 256 * 1024 * 1024,
      maxPending: 64,
      maxPendingPerAddress: 64,
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 30_000,
      ...overrides.connections,
    },
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
    stations: {
      autoCreate: true,
      max: 10_000,
      maxPartitionsTotal: 100_000,
      maxGroups: 1000,
      defaultPartitions: 1,
      defaultDurability: 'always',
      defaultFlushIntervalMs: 100,
      defaultDedupWindowMs: 60_000,
      defaultAckTimeoutMs: 30_000,
      defaultMaxDeliveries: 5,
      retentionCheckMs: 60_000,
      ...overrides.stations,
    },
    nats: {
      urls: ['nats://127.0.0.1:4222'],
      prefix: 'ferry',
      replicas: 1,
      timeoutMs: 5_000,
    },
    storage: {
      engine: 'file',
      segmentBytes: 64 * 1024 * 1024,
      segmentMs: 24 * 3600_000,
      maxOpenFiles: 'auto',
      dedupMaxEntries: 1_000_000,
      memoryStationMaxBytes: 64 * 1024 * 1024,
      memoryMaxBytes: 256 * 1024 * 1024,
      ...overrides.storage,
    },
    push: { maxConcurrency: 64, retryMinMs: 1000, retryMaxMs: 60_000, ...overrides.push },
    schemas: {
      max: 1000,
      maxVersions: 100,
      maxTotalBytes: 64 * 1024 * 1024,
      maxDepth: 32,
      ...overrides.schemas,
    },
    mqtt: {
      enabled: false,
      port: 1883,
      maxConnections: 1000,
      maxPacketBytes: 1024 * 1024 + 64 * 1024,
      receiveMaximum: 1024,
      maxPendingBytes: 8 * 1024 * 1024,
      maxPendingBytesTotal: 256 * 1024 * 1024,
      maxInflight: 256,
      maxSubscriptions: 64,
      maxSessionExpirySeconds: 7 * 24 * 3600,
      maxSessions: 10_000,
      maxRetained: 10_000,
      maxRetainedBytes: 64 * 1024 * 1024,
      topicAliasMaximum: 16,
      maxKeepAliveSeconds: 600,
      stations: [],
      key: 'topic',
      ...overrides.mqtt,
    },
    shutdownGraceMs: overrides.shutdownGraceMs ?? 1000,
  };
}
