/**
 * The systems of `--jetstream-cluster`, each on a fresh 3-node JetStream cluster per run
 * (@ferry/nats-cluster: nats-server processes on loopback ports, stopped by pid):
 *
 * - `Ferry on JetStream R1|R3`: one broker with `--storage-engine jetstream --nats-replicas N`
 *   in front of it, driven through the Node SDK like the embedded-engine Ferry;
 * - `Ferry on JetStream R3, 2 brokers`: two brokers with the same prefix in front of one R3
 *   cluster, the producers of the several-producer publish run split over both (that run only);
 * - `JetStream R1|R3 direct`: the same cluster driven through the official clients, streams of
 *   N replicas, the scenarios of the single-server JetStream system.
 */
import { type RunningBroker, startBroker } from '@ferry/conformance/broker';
import { type NatsCluster, startCluster } from '@ferry/nats-cluster';
import { consume as ferryConsume } from '../ferry/consume.js';
import { fanout as ferryFanout } from '../ferry/fanout.js';
import { latency as ferryLatency } from '../ferry/latency.js';
import { publish as ferryPublish } from '../ferry/publish.js';
import { publishSpread as ferryPublishSpread } from '../ferry/publish-spread.js';
import type { FerryTarget } from '../ferry/target.js';
import { consume as natsConsume } from '../nats/consume.js';
import { fanout as natsFanout } from '../nats/fanout.js';
import { latency as natsLatency } from '../nats/latency.js';
import { publish as natsPublish } from '../nats/publish.js';
import { publishSpread as natsPublishSpread } from '../nats/publish-spread.js';
import type { NatsTarget } from '../nats/target.js';
import type { Server, ServerProcess, System } from '../outcomes.js';
import type { Ratio } from '../system-table.js';

const NODES = 3;
const PREFIX = 'ferry';

export type Replicas = 1 | 3;

async function cluster(): Promise<NatsCluster> {
  return startCluster({ nodes: NODES, name: 'ferry-bench' });
}

function natsProcesses(nats: NatsCluster): ServerProcess[] {
  return nats.nodes.map((node) => {
    if (node.pid === undefined) throw new Error(`nats-server ${node.name} is not running`);
    return { role: 'nats', pid: node.pid };
  });
}

/** Stops what was started, brokers first, each by its pid; waits for all of them. */
async function stopAll(brokers: readonly RunningBroker[], nats: NatsCluster): Promise<void> {
  await Promise.allSettled(brokers.map((broker) => broker.stop()));
  await nats.stop();
}

export interface FerryOnJetStreamSettings {
  replicas: Replicas;
  /** Brokers in front of the cluster; with 2 the system takes the several-producer run only. */
  brokers: 1 | 2;
  /** The several-producer run's id, for a system of 2 brokers. */
  spreadRun: string;
  profileDir: string | undefined;
}

export function ferryOnJetStreamSystem(settings: FerryOnJetStreamSettings): System {
  const name = `Ferry on JetStream R${settings.replicas}${settings.brokers > 1 ? `, ${settings.brokers} brokers` : ''}`;
  return {
    name,
    ...(settings.brokers > 1 ? { runs: [settings.spreadRun] } : {}),
    async start(): Promise<Server> {
      const nats = await cluster();
      const brokers: RunningBroker[] = [];
      try {
        for (let i = 0; i < settings.brokers; i += 1) {
          brokers.push(
            await startBroker({
              args: [
                '--storage-engine',
                'jetstream',
                '--nats-url',
                nats.urls.join(','),
                '--nats-replicas',
                String(settings.replicas),
                '--nats-prefix',
                PREFIX,
              ],
              ...(settings.profileDir === undefined
                ? {}
                : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] }),
            }),
          );
        }
      } catch (error) {
        await stopAll(brokers, nats);
        throw error;
      }
      const targets = brokers.map(
        (broker): FerryTarget => ({
          url: `ferry://127.0.0.1:${broker.tcpPort}`,
          station: { partitions: 1, durability: 'replicated' },
        }),
      );
      const [target] = targets as [FerryTarget];
      return {
        pid: (brokers[0] as RunningBroker).pid,
        processes: [
          ...brokers.map((broker): ServerProcess => ({ role: 'broker', pid: broker.pid })),
          ...natsProcesses(nats),
        ],
        publish: (params, meter) => ferryPublish(target, params, meter),
        consume: (params, meter, mode) => ferryConsume(target, params, meter, mode),
        latency: (params, meter, mode) => ferryLatency(target, params, meter, mode),
        fanout: (params, meter, mode) => ferryFanout(target, params, meter, mode),
        publishSpread: (params, meter) => ferryPublishSpread(targets, params, meter),
        stop: () => stopAll(brokers, nats),
      };
    },
  };
}

export function jetStreamClusterSystem(replicas: Replicas): System {
  return {
    name: `JetStream R${replicas} direct`,
    async start(): Promise<Server> {
      const nats = await cluster();
      const target: NatsTarget = { servers: nats.urls, replicas };
      const processes = natsProcesses(nats);
      return {
        pid: (processes[0] as ServerProcess).pid,
        processes,
        publish: (params, meter) => natsPublish(target, params, meter),
        consume: (params, meter, mode) => natsConsume(target, params, meter, mode),
        latency: (params, meter, mode) => natsLatency(target, params, meter, mode),
        fanout: (params, meter, mode) => natsFanout(target, params, meter, mode),
        publishSpread: (params, meter) => natsPublishSpread(target, params, meter),
        stop: () => nats.stop(),
      };
    },
  };
}

/** The table's column title of each system of `--jetstream-cluster`. */
export const CLUSTER_HEADERS: Readonly<Record<string, string>> = {
  'Ferry on JetStream R1': 'Ferry R1',
  'JetStream R1 direct': 'JS R1',
  'Ferry on JetStream R3': 'Ferry R3',
  'JetStream R3 direct': 'JS R3',
  'Ferry on JetStream R3, 2 brokers': 'Ferry R3 2 brokers',
};

/** The ratios the `--jetstream-cluster` table shows. */
export const CLUSTER_RATIOS: readonly Ratio[] = [
  { label: 'Ferry/JS R1', of: 'Ferry on JetStream R1', over: 'JetStream R1 direct' },
  { label: 'Ferry/JS R3', of: 'Ferry on JetStream R3', over: 'JetStream R3 direct' },
  { label: '2 brokers/1', of: 'Ferry on JetStream R3, 2 brokers', over: 'Ferry on JetStream R3' },
];
