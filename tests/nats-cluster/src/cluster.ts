/**
 * A NATS JetStream cluster for tests and benchmarks: `nodes` nats-server processes (3 by
 * default) routed to each other on loopback ports, each with its own store in a temporary
 * directory. Ready once every node accepts clients and JetStream answers (a metadata leader is
 * elected). Stop it to end the processes by pid and remove the stores.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsNode } from './node.js';
import { freePort } from './ports.js';

export { NatsNode } from './node.js';
export { freePort } from './ports.js';

export interface ClusterOptions {
  /** Default 3. */
  nodes?: number;
  /** Default `ferry-test`. */
  name?: string;
  /** How long JetStream may take to answer after the processes are up; default 30 s. */
  readyTimeoutMs?: number;
  /** Clients must authenticate with this user and password, or this token. */
  auth?: { user: string; pass: string } | { token: string };
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** Every node's client URL, for a client's server list. */
  readonly urls: readonly string[];
  /** Resolves once JetStream answers through any running node. */
  ready(timeoutMs?: number): Promise<void>;
  /** Ends every process (SIGTERM) and removes the stores. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  const clusterName = options.name ?? 'ferry-test';
  const dir = mkdtempSync(join(tmpdir(), 'ferry-nats-cluster-'));
  const ports = await Promise.all(
    Array.from({ length: count }, async () => ({
      port: await freePort(),
      clusterPort: await freePort(),
    })),
  );
  const nodes = ports.map((p, i) => {
    const storeDir = join(dir, `n${i + 1}`);
    mkdirSync(storeDir);
    return new NatsNode({
      name: `n${i + 1}`,
      port: p.port,
      clusterPort: p.clusterPort,
      storeDir,
      clusterName,
      routes: ports.filter((_, j) => j !== i).map((o) => `nats://127.0.0.1:${o.clusterPort}`),
      args: authArgs(options.auth),
    });
  });
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url),
    ready: (timeoutMs = options.readyTimeoutMs ?? 30_000) =>
      jetStreamAnswers(
        nodes.filter((n) => n.running).map((n) => n.url),
        timeoutMs,
        options.auth ?? {},
      ),
    stop,
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await cluster.ready();
  } catch (err) {
    await stop();
    throw err;
  }
  return cluster;
}

/** Asks for the account's JetStream info until it answers: no answer until a leader is elected. */
function authArgs(auth: ClusterOptions['auth']): string[] {
  if (auth === undefined) return [];
  return 'token' in auth ? ['--auth', auth.token] : ['--user', auth.user, '--pass', auth.pass];
}

async function jetStreamAnswers(
  urls: readonly string[],
  timeoutMs: number,
  auth: NonNullable<ClusterOptions['auth']> | Record<string, never>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const nc = await connect({ servers: [...urls], timeout: 2000, ...auth });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000 });
        await jsm.getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      last = err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`JetStream did not answer within ${timeoutMs} ms: ${String(last)}`);
}
