/**
 * The process's and the Node.js runtime's metrics (CPU, memory, descriptors, event-loop lag,
 * GC), from prom-client, under their standard unprefixed names (`process_*`, `nodejs_*`): the
 * ones dashboards and alerts written for any Node.js service already query. One set per
 * process, however many brokers it runs, since prom-client cannot stop the monitors it starts.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

export function processMetrics(): Registry {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
