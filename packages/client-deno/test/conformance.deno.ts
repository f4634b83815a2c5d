/**
 * The shared conformance scenarios with `@ferry/deno`, over TCP and over WebSocket, against
 * the broker of the harness whose control URL is in FERRY_CONTROL_URL — and, when
 * FERRY_JETSTREAM_CONTROL_URL is set, again against that harness's two brokers on a NATS
 * JetStream cluster, a scenario's clients spread over both (test names `jetstream tcp: ...`).
 */
import { createContext, type Engine, scenarios } from '@ferry/conformance/scenarios';
import { connect } from '../src/mod.ts';

interface HarnessConfig {
  engine: Engine;
  tcpUrls: string[];
  wsUrls: string[];
  token: string;
}

async function register(controlUrl: string, prefix: string): Promise<void> {
  const config = (await (await fetch(`${controlUrl}/config`)).json()) as HarnessConfig;
  for (const [transport, urls] of [
    ['tcp', config.tcpUrls],
    ['ws', config.wsUrls],
  ] as const) {
    const context = createContext({
      connect,
      url: urls[0] as string,
      urls,
      engine: config.engine,
      token: config.token,
      controlUrl,
    });
    for (const scenario of scenarios) {
      Deno.test({
        name: `${prefix}${transport}: ${scenario.name}`,
        // Clients reconnect and keep timers across a broker restart; the scenario closes them.
        sanitizeOps: false,
        sanitizeResources: false,
        fn: () => scenario.run(context),
      });
    }
  }
}

await register(Deno.env.get('FERRY_CONTROL_URL') as string, '');
const jetstream = Deno.env.get('FERRY_JETSTREAM_CONTROL_URL');
if (jetstream !== undefined) await register(jetstream, 'jetstream ');
