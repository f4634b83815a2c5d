/** Ferry as a system under test: a fresh broker per run, with the broker's default settings. */
import { startBroker } from '@ferry/conformance/broker';
import type { Durability } from '@ferry/node';
import type { System } from '../outcomes.js';
import { consume } from './consume.js';
import { fanout } from './fanout.js';
import { latency } from './latency.js';
import { publish } from './publish.js';
import { publishSpread } from './publish-spread.js';
import type { FerryTarget } from './target.js';

export interface FerrySettings {
  /** Of every station the scenarios create; the broker's default is `always` (fsync before ack). */
  durability: Durability;
  /** Write a V8 CPU profile of each broker into this directory (when it exits on stop()). */
  profileDir: string | undefined;
}

export function ferrySystem(settings: FerrySettings): System {
  return {
    name: 'Ferry',
    async start() {
      const broker = await startBroker(
        settings.profileDir === undefined
          ? {}
          : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] },
      );
      const target: FerryTarget = {
        url: `ferry://127.0.0.1:${broker.tcpPort}`,
        station: { partitions: 1, durability: settings.durability },
      };
      return {
        pid: broker.pid,
        publish: (params, meter) => publish(target, params, meter),
        consume: (params, meter, mode) => consume(target, params, meter, mode),
        latency: (params, meter, mode) => latency(target, params, meter, mode),
        fanout: (params, meter, mode) => fanout(target, params, meter, mode),
        publishSpread: (params, meter) => publishSpread([target], params, meter),
        stop: () => broker.stop(),
      };
    },
  };
}
