/** The backend `storage.engine` names, opened with the broker's storage settings. */
import { readFileSync } from 'node:fs';
import { type ConnectionOptions, credsAuthenticator } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Backend } from './backend/types.js';
import type { BrokerConfig } from './config/types.js';
import { JetStreamEngine } from './jetstream/engine.js';
import type { Metrics } from './metrics.js';
import { EmbeddedStorageEngine } from './storage/engine.js';
import { maxOpenFiles } from './storage/fs/descriptor-budget.js';
import { MemoryEngine } from './storage/memory-engine.js';

export async function openBackend(
  config: BrokerConfig,
  log: Logger,
  metrics: Metrics,
): Promise<Backend> {
  const { storage } = config;
  const common = {
    dedupMaxEntries: storage.dedupMaxEntries,
    memoryStationMaxBytes: storage.memoryStationMaxBytes,
    memoryMaxBytes: storage.memoryMaxBytes,
    maxReadBytes: config.limits.maxBatchBytes,
    log,
    metrics,
  };
  switch (storage.engine) {
    case 'memory':
      log.warn({}, 'storage.engine is memory: nothing is kept when the broker stops');
      return new MemoryEngine(common);
    case 'file':
      return EmbeddedStorageEngine.open({
        ...common,
        dataDir: config.dataDir,
        segmentBytes: storage.segmentBytes,
        segmentMs: storage.segmentMs,
        maxOpenFiles: maxOpenFiles(storage.maxOpenFiles, config.connections.max, log),
      });
    case 'jetstream':
      return openJetStream(config, log);
  }
}

async function openJetStream(config: BrokerConfig, log: Logger): Promise<Backend> {
  const { nats } = config;
  const engine = await JetStreamEngine.open({
    connection: natsConnection(nats),
    prefix: nats.prefix,
    replicas: nats.replicas,
    timeoutMs: nats.timeoutMs,
    maxReadBytes: config.limits.maxBatchBytes,
    maxNameBytes: config.limits.maxNameBytes,
    log,
  });
  log.warn(
    { natsServer: engine.serverVersion, replicas: nats.replicas },
    'storage.engine is jetstream: a produce ack means the stream has the message on a quorum of its replicas (durability replicated); nats-server acknowledges before fsync (2.10 and later fsync first only with jetstream.sync_interval: always)',
  );
  const largest =
    config.limits.maxMessageBytes +
    config.limits.maxKeyBytes +
    config.limits.maxMsgIdBytes +
    config.limits.maxHeaders * 2 * config.limits.maxHeaderBytes;
  if (engine.maxPayload < largest)
    log.warn(
      { maxPayload: engine.maxPayload, largestMessage: largest },
      'the NATS servers take messages up to their max_payload: a larger one (payload and headers) is refused with MESSAGE_TOO_LARGE; raise max_payload in the nats-server config to take every message the limits allow',
    );
  return engine;
}

function natsConnection(nats: BrokerConfig['nats']): ConnectionOptions {
  const options: ConnectionOptions = { servers: nats.urls };
  if (nats.user !== undefined) options.user = nats.user;
  if (nats.password !== undefined) options.pass = nats.password;
  if (nats.token !== undefined) options.token = nats.token;
  if (nats.credsFile !== undefined)
    options.authenticator = credsAuthenticator(readFileSync(nats.credsFile));
  if (nats.tlsCaFile !== undefined || nats.tlsCertFile !== undefined) {
    options.tls = {
      ...(nats.tlsCaFile === undefined ? {} : { caFile: nats.tlsCaFile }),
      ...(nats.tlsCertFile === undefined ? {} : { certFile: nats.tlsCertFile }),
      ...(nats.tlsKeyFile === undefined ? {} : { keyFile: nats.tlsKeyFile }),
    };
  }
  return options;
}
