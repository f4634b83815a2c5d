/**
 * Ferry on JetStream for the conformance runs and the reliability suite: a NATS JetStream
 * cluster on loopback (3 nats-server processes by default) and Ferry brokers on it (2 by
 * default), all `--storage-engine jetstream --nats-replicas R` with one prefix, so any of them
 * serves the same stations and groups. Every process is ended by pid.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsCluster, startCluster } from '@ferry/nats-cluster';
import { type BrokerOptions, type RunningBroker, startBroker } from './broker.js';

export interface JetStreamBrokersOptions {
  /** Ferry brokers; default 2. */
  brokers?: number;
  /** nats-server processes of the cluster started here; default 3. */
  nodes?: number;
  /** Run on this cluster instead of starting one (stop() leaves it running). */
  cluster?: NatsCluster;
  /** `--nats-replicas`; default 3, or 1 on a cluster of fewer nodes. */
  replicas?: number;
  /** `--nats-prefix`; default a new one, so that runs on one cluster never meet. */
  prefix?: string;
  /** Options of every broker (flags, token, env, logs); the storage flags are added. */
  broker?: Omit<BrokerOptions, 'tcpPort' | 'httpPort' | 'dataDir'>;
}

export interface JetStreamBrokers {
  readonly cluster: NatsCluster;
  readonly prefix: string;
  readonly replicas: number;
  /** The running brokers, in start order (a restart keeps a broker's place and ports). */
  readonly brokers: readonly RunningBroker[];
  /** Each broker's `ferry://` URL, in the same order. */
  readonly tcpUrls: readonly string[];
  /** Each broker's `ws://.../ws` URL, in the same order. */
  readonly wsUrls: readonly string[];
  /** Each broker's HTTP API and console, `http://127.0.0.1:port`. */
  readonly httpUrls: readonly string[];
  /** The pids of the nats-server processes and of the brokers. */
  pids(): { nats: (number | undefined)[]; brokers: number[] };
  /** kill -9 broker `index` and start it again on the same ports (its data is on the cluster). */
  restart(index: number): Promise<void>;
  /** SIGTERM every broker, then the cluster if it was started here; waits for every exit. */
  stop(): Promise<void>;
}

export async function startJetStreamBrokers(
  options: JetStreamBrokersOptions = {},
): Promise<JetStreamBrokers> {
  const count = options.brokers ?? 2;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`brokers: ${count}`);
  const own = options.cluster === undefined;
  const cluster = options.cluster ?? (await startCluster({ nodes: options.nodes ?? 3 }));
  const replicas = options.replicas ?? (cluster.nodes.length >= 3 ? 3 : 1);
  const prefix = options.prefix ?? `conf${randomBytes(4).toString('hex')}`;
  const base = options.broker ?? {};
  const args = [
    ...(base.args ?? []),
    '--storage-engine',
    'jetstream',
    '--nats-url',
    cluster.urls.join(','),
    '--nats-replicas',
    String(replicas),
    '--nats-prefix',
    prefix,
    // Three nats-servers, the brokers and the clients share two cores with other suites in CI:
    // an election there can take longer than the 5 s a JetStream call gets by default.
    '--nats-timeout-ms',
    '15000',
  ];
  // A broker keeps its directory across a restart; its stations are on the cluster.
  const dataDirs = Array.from({ length: count }, () =>
    mkdtempSync(join(tmpdir(), 'ferry-jetstream-broker-')),
  );
  const start = (index: number, tcpPort = 0, httpPort = 0) =>
    startBroker({ ...base, dataDir: dataDirs[index], tcpPort, httpPort, args });

  const brokers: RunningBroker[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(brokers.map((b) => b.stop()));
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    if (own) await cluster.stop();
  };
  try {
    // The first makes the stations bucket; the others then start together and find it.
    brokers.push(await start(0));
    const rest = await Promise.allSettled(dataDirs.slice(1).map((_, i) => start(i + 1)));
    for (const result of rest) if (result.status === 'fulfilled') brokers.push(result.value);
    const failed = rest.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  const urls = (make: (b: RunningBroker) => string) => brokers.map(make);
  const restarting = new Map<number, Promise<void>>();
  return {
    cluster,
    prefix,
    replicas,
    brokers,
    tcpUrls: urls((b) => `ferry://127.0.0.1:${b.tcpPort}`),
    wsUrls: urls((b) => `ws://127.0.0.1:${b.httpPort}/ws`),
    httpUrls: urls((b) => `http://127.0.0.1:${b.httpPort}`),
    pids: () => ({ nats: cluster.nodes.map((n) => n.pid), brokers: brokers.map((b) => b.pid) }),
    restart(index) {
      const broker = brokers[index];
      if (broker === undefined) throw new RangeError(`no broker ${index} of ${brokers.length}`);
      let pending = restarting.get(index);
      if (pending === undefined) {
        pending = (async () => {
          await broker.kill();
          brokers[index] = await start(index, broker.tcpPort, broker.httpPort);
        })().finally(() => restarting.delete(index));
        restarting.set(index, pending);
      }
      return pending;
    },
    async stop() {
      await Promise.all([...restarting.values()].map((p) => p.catch(() => undefined)));
      await stop();
    },
  };
}
