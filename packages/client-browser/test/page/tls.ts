/** Runs in Chromium: the client over wss:// to a broker serving TLS itself. [SEC-7] */
import { codecs, connect } from '../../src/index.js';

/** Produces one message and reads it back as a member of a group; returns what was read. */
export async function produceAndConsume(url: string): Promise<unknown> {
  const client = await connect(url, { reconnect: false });
  try {
    await client.producer('browser-tls', { codec: codecs.json() }).produce({ over: 'wss' });
    const consumer = await client.consume('browser-tls', {
      group: 'readers',
      start: 'earliest',
      codec: codecs.json(),
    });
    for await (const message of consumer) {
      await message.ack();
      return message.data;
    }
    return undefined;
  } finally {
    await client.close();
  }
}
