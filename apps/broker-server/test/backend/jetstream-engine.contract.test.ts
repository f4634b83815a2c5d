/**
 * The backend contract against the jetstream engine, on a standalone nats-server with JetStream
 * (test/jetstream has the 3-node cluster). Each backend gets a prefix of its own, so tests share
 * the server and never see each other's stations; a reopen connects again with the same prefix.
 */
import { type NatsCluster, startCluster } from '@ferry/nats-cluster';
import { afterAll, beforeAll } from 'vitest';
import type { Backend } from '../../src/backend/types.js';
import { JetStreamEngine } from '../../src/jetstream/engine.js';
import { backendContract } from './contract.js';

let nats: NatsCluster;
beforeAll(async () => {
  nats = await startCluster({ nodes: 1 });
}, 60_000);
// A node stops gracefully (SIGTERM, then its JetStream state flushed): slow on a busy machine.
afterAll(() => nats?.stop(), 60_000);

const prefixes = new WeakMap<Backend, string>();
let opened = 0;

async function open(prefix: string): Promise<Backend> {
  const engine = await JetStreamEngine.open({ connection: { servers: [...nats.urls] }, prefix });
  prefixes.set(engine, prefix);
  return engine;
}

for (const storage of ['file', 'memory'] as const) {
  backendContract(`jetstream engine, ${storage} stations`, {
    storage,
    durability: 'replicated',
    open: () => open(`t${process.pid}-${++opened}`),
    reopen: (closed) => {
      const prefix = prefixes.get(closed);
      if (prefix === undefined) throw new Error('not a backend of this harness');
      return open(prefix);
    },
  });
}
