/** What every part of the jetstream engine shares: the connection, its clients and settings. */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { StorageLogger } from '../storage/logger.js';

export interface JsContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Prefix of every stream, subject and bucket the engine makes. */
  prefix: string;
  /** Replicas of every stream and consumer (1, 3 or 5). */
  replicas: number;
  /** Bytes one read may return. */
  maxReadBytes: number;
  /** Longest station or group name. */
  maxNameBytes: number;
  /** Largest message the servers take (their max_payload), headers included. */
  maxPayload: number;
  /** How long one call to JetStream may take before it fails with TIMEOUT. */
  timeoutMs: number;
  log: StorageLogger;
}
