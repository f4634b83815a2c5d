/** Real data for the console to show, made through the Node SDK as an application would. */
import { type Client, connect } from '@ferry/node';

const text = (s: string) => new TextEncoder().encode(s);

export async function nodeClient(tcpPort: number, token?: string): Promise<Client> {
  return connect(`ferry://127.0.0.1:${tcpPort}`, token === undefined ? {} : { auth: { token } });
}

/** `count` JSON messages `{"n":i}` keyed k0..k3 (so every partition gets some). */
export async function produceJson(client: Client, station: string, count: number): Promise<void> {
  const producer = client.producer(station);
  await Promise.all(
    Array.from({ length: count }, (_, n) =>
      producer.produce(text(JSON.stringify({ n })), { key: `k${n % 4}` }),
    ),
  );
  await producer.close();
}

/**
 * Takes `count` messages of `group` and settles each with `settle`; returns the payloads. The
 * loop's exit ends the subscription after the settlements are sent (CLIENT-2).
 */
export async function consumeSome(
  client: Client,
  station: string,
  group: string,
  count: number,
  settle: 'ack' | 'deadLetter' = 'ack',
): Promise<string[]> {
  const consumer = await client.consume(station, { group, start: 'earliest', prefetch: count });
  const seen: string[] = [];
  for await (const message of consumer) {
    seen.push(message.text());
    if (settle === 'ack') await message.ack();
    else await message.deadLetter('rejected by the test consumer');
    if (seen.length === count) break;
  }
  return seen;
}
