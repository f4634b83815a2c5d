/**
 * Talks to a running broker with the protocol's test client: creates a
 * station, produces with a key, headers and a msgId (twice, to show dedup),
 * and prints the station's state.
 *
 *   pnpm start                                  # in one terminal
 *   pnpm --filter @ferry/broker example:produce # in another (FERRY_TCP_PORT if not 6666)
 */
import { connectTcp } from '../test/support/raw-client.js';
import { Requester } from '../test/support/requester.js';

const port = Number(process.env.FERRY_TCP_PORT ?? 6666);
const client = await connectTcp(port);
const welcome = await client.handshake(
  process.env.FERRY_AUTH_TOKEN === undefined
    ? {}
    : { auth: { token: process.env.FERRY_AUTH_TOKEN } },
);
console.log(
  `connected to ${welcome.serverName} ${welcome.serverVersion}, protocol ${welcome.version}`,
);
const broker = new Requester(client);

console.log(
  await broker.request({
    type: 'stationCreate',
    name: 'orders',
    config: { partitions: 3, retention: { maxAgeMs: 7 * 24 * 3600_000 } },
  }),
);
const message = {
  payload: new TextEncoder().encode(JSON.stringify({ order: 42, total: 99.5 })),
  key: 'customer-9',
  headers: { source: 'example' },
  msgId: 'order-42',
};
console.log(await broker.request({ type: 'produce', station: 'orders', messages: [message] }));
// The same msgId again: not written twice; the ack points at the original.
console.log(await broker.request({ type: 'produce', station: 'orders', messages: [message] }));
console.log(JSON.stringify(await broker.request({ type: 'stationInfo', name: 'orders' }), null, 2));
client.close();
