/**
 * `--jetstream-cluster` at a few hundred messages: the several-producer publish against Ferry on
 * JetStream R1, two Ferry brokers at R3 and JetStream R3 direct (the code paths of every cluster
 * system, in three cluster starts to keep CI short), each on a fresh 3-node cluster, with every
 * message accounted for. Times are never asserted.
 */
import { describe, expect, it } from 'vitest';
import { clusterSystems } from '../src/benchmark.js';
import { natsServerOnPath } from '../src/nats/server.js';
import { params } from '../src/params.js';
import { execute, runSpecs, spreadRunId } from '../src/runs.js';

const MESSAGES = 300;
const SYSTEMS = [
  'Ferry on JetStream R1',
  'Ferry on JetStream R3, 2 brokers',
  'JetStream R3 direct',
];

describe.runIf(natsServerOnPath())('pnpm bench --jetstream-cluster, a few hundred messages', () => {
  it('publishes with 4 producers through one and two brokers and directly', async () => {
    const quick = params(true);
    const sizes = { ...quick, spread: { ...quick.spread, messages: MESSAGES } };
    const spec = runSpecs(sizes, 'publish', true).find((s) => s.id === spreadRunId(sizes));
    if (spec === undefined) throw new Error('no several-producer publish run');
    const systems = clusterSystems(sizes, { profileDir: undefined }).filter((system) =>
      SYSTEMS.includes(system.name),
    );
    expect(systems.length).toBe(SYSTEMS.length);
    for (const system of systems) {
      const result = await execute(spec, system, sizes.runTimeoutMs);
      const label = `${result.run} / ${system.name}`;
      expect(result.error, label).toBeUndefined();
      expect(result.checks.length, `${label} checks`).toBeGreaterThan(0);
      for (const check of result.checks)
        expect(check.actual, `${label}: ${check.what}`).toBe(check.expected);
      const produced = result.checks.find((check) => check.what === 'produced');
      expect(produced?.actual, label).toBe(MESSAGES);
      expect(result.usage, `${label} resources`).toBeDefined();
    }
  });
});
