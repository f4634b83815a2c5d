/** NATS JetStream as a system under test: a fresh nats-server per run, default settings. */
import type { System } from '../outcomes.js';
import { consume } from './consume.js';
import { fanout } from './fanout.js';
import { latency } from './latency.js';
import { publish } from './publish.js';
import { publishSpread } from './publish-spread.js';
import { startNats } from './server.js';
import type { NatsTarget } from './target.js';

export const natsSystem: System = {
  name: 'JetStream',
  async start() {
    const server = await startNats();
    const target: NatsTarget = { servers: `127.0.0.1:${server.port}` };
    return {
      pid: server.pid,
      publish: (params, meter) => publish(target, params, meter),
      consume: (params, meter, mode) => consume(target, params, meter, mode),
      latency: (params, meter, mode) => latency(target, params, meter, mode),
      fanout: (params, meter, mode) => fanout(target, params, meter, mode),
      publishSpread: (params, meter) => publishSpread(target, params, meter),
      stop: () => server.stop(),
    };
  },
};
