/**
 * The benchmark itself: every scenario at `--quick` size against Ferry (and JetStream when
 * nats-server is on PATH) completes with every message accounted for. Times and throughputs are
 * never asserted.
 */
import { describe, expect, it } from 'vitest';
import { runBenchmark } from '../src/benchmark.js';
import { natsServerOnPath } from '../src/nats/server.js';
import { SCENARIOS } from '../src/params.js';

const nats = natsServerOnPath();
const systems = nats ? (['Ferry', 'JetStream'] as const) : (['Ferry'] as const);

describe(`pnpm bench --quick against ${systems.join(' and ')}`, () => {
  it('runs every scenario with every message accounted for', async () => {
    const { results } = await runBenchmark({
      quick: true,
      only: undefined,
      nats,
      durability: 'always',
      profileDir: undefined,
      repeat: 1,
    });
    for (const system of systems) {
      for (const scenario of SCENARIOS) {
        const runs = results.filter((run) => run.system === system && run.scenario === scenario);
        expect(runs.length, `${scenario} against ${system}`).toBeGreaterThan(0);
        for (const run of runs) {
          const label = `${run.run} / ${system}`;
          expect(run.error, label).toBeUndefined();
          expect(run.checks.length, `${label} checks`).toBeGreaterThan(0);
          for (const check of run.checks)
            expect(check.actual, `${label}: ${check.what}`).toBe(check.expected);
          expect(run.usage, `${label} resources`).toBeDefined();
        }
      }
    }
  });
});
