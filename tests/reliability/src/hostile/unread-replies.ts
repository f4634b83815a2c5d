/**
 * Sends requests and never reads the replies: authenticated connections that stop reading, then
 * write stationInfo requests for a station with many partitions (each reply is thousands of
 * times the request) as fast as their sockets take them. The broker must stop reading them
 * rather than queue replies without bound, and may cut them off; a cut-off one comes back.
 */
import { once, setMaxListeners } from 'node:events';
import type { Auth } from '@ferry/protocol';
import { encodeFrame, frame } from '@ferry/protocol';
import { handshake } from '../raw-connection.js';
import { sleep } from '../time.js';
import { type Attack, Tally } from './attack.js';

export interface UnreadRepliesOptions {
  port: number;
  addresses: readonly string[];
  auth: Auth;
  connections: number;
  /** The station to ask about, once there is one. */
  station: Promise<string>;
}

/** Requests per write: a few kilobytes, as a client pipelining requests would write them. */
const REQUESTS_PER_WRITE = 256;

export function unreadReplies(options: UnreadRepliesOptions): Attack {
  const refused = new Tally();
  const stopping = new AbortController();
  // One listener per socket in progress: as many as the attack has sockets.
  setMaxListeners(0, stopping.signal);
  const stopped = once(stopping.signal, 'abort');
  let requests = 0;
  let requestBytes = 0;
  let cutOff = 0;

  const worker = async (w: number) => {
    const name = await Promise.race([options.station, stopped.then(() => undefined)]);
    if (name === undefined) return;
    const chunk = Buffer.concat(
      Array.from({ length: REQUESTS_PER_WRITE }, (_, i) =>
        frame(encodeFrame({ type: 'stationInfo', id: i + 2, name })),
      ),
    );
    while (!stopping.signal.aborted) {
      const hs = await handshake({
        port: options.port,
        localAddress: options.addresses[w % options.addresses.length],
        auth: options.auth,
        timeoutMs: 10_000,
        signal: stopping.signal,
      });
      if (stopping.signal.aborted) break;
      if (!hs.ok) {
        refused.add(`handshake ${hs.code}`);
        await sleep(200);
        continue;
      }
      const { connection } = hs;
      connection.socket.pause();
      while (connection.isOpen && !stopping.signal.aborted) {
        const more = connection.socket.write(chunk);
        requests += REQUESTS_PER_WRITE;
        requestBytes += chunk.length;
        if (more) continue;
        // A reset rejects the wait for drain; the close that follows ends the loop.
        const drained = once(connection.socket, 'drain').catch(() => {});
        await Promise.race([drained, connection.closed, stopped]);
      }
      if (stopping.signal.aborted) connection.destroy();
      else {
        cutOff++;
        refused.add('closed by the broker');
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.connections }, (_, w) => worker(w)));

  return {
    refused,
    async stop() {
      stopping.abort();
      await done;
    },
    figures: () => ({
      requests,
      requestKiB: Math.round(requestBytes / 1024),
      cutOff,
      refused: refused.toString(),
    }),
  };
}
