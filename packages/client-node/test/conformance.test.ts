/**
 * The conformance scenarios in Node, over TCP and over WebSocket, against a real broker
 * that the harness restarts when a scenario asks.
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

for (const transport of ['tcp', 'ws'] as const) {
  describe(`conformance over ${transport}`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, async () => {
        const context = createContext({
          connect,
          url: transport === 'tcp' ? harness.tcpUrl : harness.wsUrl,
          token: harness.token,
          controlUrl: harness.controlUrl,
        });
        await scenario.run(context);
      });
    }
  });
}
