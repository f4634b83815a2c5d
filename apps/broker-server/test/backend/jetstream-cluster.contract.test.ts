/**
 * The backend contract against the jetstream engine on a 3-node cluster with R3 streams: every
 * append, settle and dead letter goes through Raft, and reads go to stream leaders on any node.
 */
import { type NatsCluster, startCluster } from '@ferry/nats-cluster';
import { afterAll, beforeAll } from 'vitest';
import type { Backend } from '../../src/backend/types.js';
import { JetStreamEngine } from '../../src/jetstream/engine.js';
import { backendContract } from './contract.js';

let nats: NatsCluster;
beforeAll(async () => {
  nats = await startCluster();
}, 60_000);
// A node stops gracefully (SIGTERM, then its JetStream state flushed): slow on a busy machine.
afterAll(() => nats?.stop(), 60_000);

const prefixes = new WeakMap<Backend, string>();
let opened = 0;

async function open(prefix: string): Promise<Backend> {
  const engine = await JetStreamEngine.open({
    connection: { servers: [...nats.urls] },
    prefix,
    replicas: 3,
  });
  prefixes.set(engine, prefix);
  return engine;
}

backendContract('jetstream engine, R3 on a 3-node cluster', {
  storage: 'file',
  durability: 'replicated',
  open: () => open(`r${process.pid}-${++opened}`),
  reopen: (closed) => {
    const prefix = prefixes.get(closed);
    if (prefix === undefined) throw new Error('not a backend of this harness');
    return open(prefix);
  },
});
