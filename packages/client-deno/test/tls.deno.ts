/**
 * The Deno SDK against a broker that serves TLS itself [SEC-7], started by deno.test.ts with
 * certificates made for the run: FERRY_TLS_TCP_URL (ferrys://), FERRY_TLS_WS_URL (wss://) and
 * FERRY_TLS_CA, the CA's PEM. `ferrys:` trusts it through `caCerts`; Deno's WebSocket takes no
 * CA of its own, so the run trusts it for `wss:` with DENO_CERT (which makes the `caCerts` check
 * here moot: transport.deno.ts checks that one against a certificate nothing else trusts).
 * Ignored without those variables.
 */
import { codecs, connect } from '../src/mod.ts';

const tcpUrl = Deno.env.get('FERRY_TLS_TCP_URL');
const wsUrl = Deno.env.get('FERRY_TLS_WS_URL');
const ca = Deno.env.get('FERRY_TLS_CA');

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

for (const [scheme, url] of [
  ['ferrys', tcpUrl],
  ['wss', wsUrl],
] as const) {
  Deno.test({
    name: `[SEC-7] ${scheme}: produces and consumes with a broker serving TLS`,
    ignore: url === undefined || ca === undefined,
    async fn() {
      const client = await connect(url as string, { caCerts: [ca as string] });
      try {
        const station = `deno-tls-${scheme}`;
        await client.producer(station, { codec: codecs.json() }).produce({ scheme });
        const consumer = await client.consume(station, {
          group: 'readers',
          start: 'earliest',
          codec: codecs.json(),
        });
        for await (const message of consumer) {
          assert(
            JSON.stringify(message.data) === JSON.stringify({ scheme }),
            `got ${JSON.stringify(message.data)}`,
          );
          await message.ack();
          break;
        }
      } finally {
        await client.close();
      }
    },
  });
}
