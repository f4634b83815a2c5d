#!/usr/bin/env node
/**
 * Starts a JetStream cluster on loopback and keeps it until Ctrl-C (or SIGTERM), which ends its
 * processes by pid and removes their stores. Prints one JSON line: the client URLs and pids.
 *   ferry-nats-cluster [nodes]
 */
import { startCluster } from './cluster.js';

const nodes = Number(process.argv[2] ?? 3);
if (!Number.isInteger(nodes) || nodes < 1) {
  console.error('usage: ferry-nats-cluster [nodes]   (a whole number, 1 or more; default 3)');
  process.exit(1);
}
const cluster = await startCluster({ nodes });
console.log(
  JSON.stringify({
    urls: cluster.urls,
    pids: cluster.nodes.map((n) => n.pid),
  }),
);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void cluster.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
