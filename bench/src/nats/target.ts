/** The JetStream server under test, how to reach it, and the checks read back from it. */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Check } from '../outcomes.js';

/** How long acks may take to be processed once the last message has arrived. */
const ACKS_TIMEOUT_MS = 30_000;

export interface NatsTarget {
  /** One server, or every node of a cluster (the client picks one and fails over). */
  servers: string | readonly string[];
  /** Of every stream the scenarios make; 1 unless on a cluster. */
  replicas?: number;
}

export function open(target: NatsTarget): Promise<NatsConnection> {
  return connect({
    servers: typeof target.servers === 'string' ? target.servers : [...target.servers],
  });
}

/** A file-backed stream named `name` (1 replica unless asked), on subject `bench.<name>`. */
export async function createStream(
  nc: NatsConnection,
  name: string,
  replicas = 1,
): Promise<string> {
  const subject = `bench.${name}`;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name,
    subjects: [subject],
    storage: StorageType.File,
    num_replicas: replicas,
  });
  return subject;
}

/** A durable pull consumer with explicit acks, from the stream's first message. */
export async function createConsumer(
  nc: NatsConnection,
  stream: string,
  name: string,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(stream, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
  });
}

/** Resolves once the server has processed acks for all `expected` messages of the consumer. */
export async function acksProcessed(
  jsm: JetStreamManager,
  stream: string,
  consumer: string,
  expected: number,
): Promise<void> {
  const deadline = performance.now() + ACKS_TIMEOUT_MS;
  for (;;) {
    const info = await jsm.consumers.info(stream, consumer);
    if (info.num_ack_pending === 0 && info.ack_floor.stream_seq >= expected) return;
    if (performance.now() > deadline) {
      throw new Error(
        `${consumer}: acks not processed within ${ACKS_TIMEOUT_MS} ms (ack floor ${info.ack_floor.stream_seq} of ${expected}, ${info.num_ack_pending} pending)`,
      );
    }
    // Polling adds at most this to a run that lasts seconds.
    await sleep(2);
  }
}

/** The stream holds `expected` messages, and each consumer has acked all of them. */
export async function streamChecks(
  nc: NatsConnection,
  stream: string,
  expected: number,
  consumers: readonly string[],
): Promise<Check[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const checks: Check[] = [{ what: 'stored', expected, actual: info.state.messages }];
  for (const name of consumers) {
    const consumer = await jsm.consumers.info(stream, name);
    checks.push(
      { what: `${name} unacked on the server`, expected: 0, actual: consumer.num_ack_pending },
      { what: `${name} undelivered on the server`, expected: 0, actual: consumer.num_pending },
      { what: `${name} ack floor`, expected, actual: consumer.ack_floor.stream_seq },
    );
  }
  return checks;
}
