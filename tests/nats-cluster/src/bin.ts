#!/usr/bin/env node
/**
 * Starts a JetStream cluster on loopback, and with `--brokers N` that many Ferry brokers on it
 * (`--storage-engine jetstream`, one prefix, so they serve the same stations), and keeps them
 * until Ctrl-C (or SIGTERM), which ends every process by pid (brokers first) and removes their
 * stores. Prints one JSON line: the NATS URLs and pids, and each broker's URLs and pid.
 *   ferry-nats-cluster [nodes] [--brokers N] [--replicas R] [--prefix P] [--broker-bin FILE]
 *                      [-- more ferry-broker flags]
 */
import { parseArgs } from 'node:util';
import { startCluster } from './cluster.js';
import { type FerryBroker, startFerryBroker } from './ferry.js';

const USAGE = `usage: ferry-nats-cluster [nodes] [--brokers N] [--replicas R] [--prefix P] [--broker-bin FILE] [-- broker flags]
  nodes         nats-server processes, 1 or more (default 3)
  --brokers     Ferry brokers to start on the cluster (default 0; needs the broker built:
                pnpm --filter @ferry/broker... build)
  --replicas    their --nats-replicas: 1, 3 or 5, at most nodes (default 3, or 1 on fewer nodes)
  --prefix      their --nats-prefix (default ferry)
  --broker-bin  the ferry-broker script to run (default the workspace's build)
  -- flags      more ferry-broker flags (its start is read from its info log: keep that level)`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    args: process.argv.slice(process.argv[2] === '--' ? 3 : 2),
    allowPositionals: true,
    options: {
      brokers: { type: 'string', default: '0' },
      replicas: { type: 'string' },
      prefix: { type: 'string', default: 'ferry' },
      'broker-bin': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
try {
  parsed = parse();
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
// Everything after `--` goes to the brokers; parseArgs keeps it among the positionals. A
// leading `--` is the one `pnpm start -- --brokers 2` passes on, not ours.
const argv = process.argv.slice(process.argv[2] === '--' ? 3 : 2);
const dashes = argv.indexOf('--');
const brokerArgs = dashes === -1 ? [] : argv.slice(dashes + 1);
const ours = positionals.slice(0, positionals.length - brokerArgs.length);
if (ours.length > 1) fail(`unexpected arguments: ${ours.slice(1).join(' ')}`);
const wholeNumber = (text: string, what: string, least: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < least) fail(`${what}: expected a whole number ≥ ${least}`);
  return n;
};
const nodes = wholeNumber(ours[0] ?? '3', 'nodes', 1);
const brokerCount = wholeNumber(values.brokers, '--brokers', 0);
const replicas = wholeNumber(values.replicas ?? (nodes >= 3 ? '3' : '1'), '--replicas', 1);
if (![1, 3, 5].includes(replicas) || replicas > nodes)
  fail(`--replicas: 1, 3 or 5, and at most the ${nodes} nodes`);

const cluster = await startCluster({ nodes });
const brokers: FerryBroker[] = [];
let stopping = false;
let starting = true;
const stopAll = async (): Promise<void> => {
  // The brokers first: they are the clients of the cluster.
  await Promise.all(brokers.map((b) => b.stop()));
  await cluster.stop();
};
const stop = () => {
  if (stopping) return;
  stopping = true;
  // While a broker starts, the start loop ends everything once it has the broker's pid.
  if (!starting) void stopAll().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  // One after the other: the first makes the stations bucket the others then find.
  for (let i = 0; i < brokerCount && !stopping; i++) {
    brokers.push(
      await startFerryBroker({
        natsUrls: cluster.urls,
        prefix: values.prefix,
        replicas,
        ...(values['broker-bin'] === undefined ? {} : { bin: values['broker-bin'] }),
        args: brokerArgs,
      }),
    );
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  await stopAll();
  process.exit(1);
}
starting = false;
if (stopping) {
  await stopAll();
  process.exit(0);
}

console.log(
  JSON.stringify({
    urls: cluster.urls,
    pids: cluster.nodes.map((n) => n.pid),
    ...(brokerCount === 0
      ? {}
      : {
          prefix: values.prefix,
          replicas,
          brokers: brokers.map((b) => ({
            pid: b.pid,
            tcpUrl: b.tcpUrl,
            wsUrl: b.wsUrl,
            httpUrl: b.httpUrl,
          })),
        }),
  }),
);
