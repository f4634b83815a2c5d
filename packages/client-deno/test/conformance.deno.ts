/**
 * The shared conformance scenarios with `@ferry/deno`, over TCP and over WebSocket, against
 * the broker of the harness whose control URL is in FERRY_CONTROL_URL.
 */
import { createContext, scenarios } from '@ferry/conformance/scenarios';
import { connect } from '../src/mod.ts';

const controlUrl = Deno.env.get('FERRY_CONTROL_URL') as string;
const config = (await (await fetch(`${controlUrl}/config`)).json()) as {
  tcpUrl: string;
  wsUrl: string;
  token: string;
};

for (const [transport, url] of [
  ['tcp', config.tcpUrl],
  ['ws', config.wsUrl],
] as const) {
  const context = createContext({ connect, url, token: config.token, controlUrl });
  for (const scenario of scenarios) {
    Deno.test({
      name: `${transport}: ${scenario.name}`,
      // Clients reconnect and keep timers across a broker restart; the scenario closes them.
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => scenario.run(context),
    });
  }
}
