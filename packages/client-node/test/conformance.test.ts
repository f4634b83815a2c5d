/**
 * The conformance scenarios in Node, over TCP and over WebSocket, against a real broker
 * that the harness restarts when a scenario asks — and again against two brokers on a 3-node
 * NATS JetStream cluster, a scenario's clients spread over both.
 */

import { type Harness, startHarness } from '@ferry/conformance/harness';
import { createContext, scenarios } from '@ferry/conformance/scenarios';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { connect } from '../src/index.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

/** The scenarios over each transport against `current()`'s brokers. */
function runScenarios(title: string, current: () => Harness): void {
  for (const transport of ['tcp', 'ws'] as const) {
    describe(`conformance over ${transport}${title}`, () => {
      for (const scenario of scenarios) {
        it(scenario.name, async () => {
          const h = current();
          const context = createContext({
            connect,
            url: transport === 'tcp' ? h.tcpUrl : h.wsUrl,
            urls: transport === 'tcp' ? h.tcpUrls : h.wsUrls,
            engine: h.engine,
            token: h.token,
            controlUrl: h.controlUrl,
          });
          await scenario.run(context);
        });
      }
    });
  }
}

runScenarios('', () => harness);

describe('two brokers on JetStream', () => {
  let jetstream: Harness;

  // A 3-node cluster and two brokers on it, once for the file: a few seconds.
  beforeAll(async () => {
    jetstream = await startHarness({ engine: 'jetstream' });
  }, 60_000);

  afterAll(async () => {
    await jetstream?.close();
  });

  runScenarios(' on JetStream, clients spread over two brokers', () => jetstream);
});
