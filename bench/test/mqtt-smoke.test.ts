/**
 * `--mqtt --quick`: QoS 1 publish and the fan-out through MQTT.js against Ferry's MQTT listener
 * and against Mosquitto (when its binary is installed) complete with every message accounted
 * for. Times are never asserted.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MQTT_COLUMNS, runMqttBenchmark } from '../src/mqtt/bench.js';
import { MOSQUITTO } from '../src/mqtt/mosquitto.js';

describe.runIf(existsSync(MOSQUITTO))(
  'pnpm bench --mqtt --quick against Ferry and Mosquitto',
  () => {
    it('publishes and fans out with every message accounted for', async () => {
      const { results } = await runMqttBenchmark({
        quick: true,
        version: '5',
        durability: 'always',
        profileDir: undefined,
        repeat: 1,
      });
      for (const { name } of MQTT_COLUMNS) {
        for (const scenario of ['publish', 'fanout'] as const) {
          const runs = results.filter((run) => run.system === name && run.scenario === scenario);
          expect(runs.length, `${scenario} against ${name}`).toBeGreaterThan(0);
          for (const run of runs) {
            const label = `${run.run} / ${name}`;
            expect(run.error, label).toBeUndefined();
            expect(run.checks.length, `${label} checks`).toBeGreaterThan(0);
            for (const check of run.checks)
              expect(check.actual, `${label}: ${check.what}`).toBe(check.expected);
            expect(run.usage, `${label} resources`).toBeDefined();
          }
        }
      }
    });
  },
);
