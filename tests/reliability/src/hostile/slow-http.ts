/**
 * Slowloris on the HTTP port: sockets that send a request line and then one header line every
 * few seconds, never finishing the headers. The broker should close them (a header timeout)
 * and count them against its connection cap; a closed one is opened again, so the pressure
 * stays for the whole attack.
 */
import { connect, type Socket } from 'node:net';
import { round } from '../stats.js';
import { sleep } from '../time.js';
import { type Attack, Tally } from './attack.js';

export interface SlowHttpOptions {
  httpPort: number;
  addresses: readonly string[];
  sockets: number;
  /** Time between two header lines of one socket. */
  trickleMs: number;
}

export function slowHttp(options: SlowHttpOptions): Attack {
  const refused = new Tally();
  const stopping = new AbortController();
  const open = new Set<{ socket: Socket; openedAt: number }>();
  let opened = 0;
  let longestHeldMs = 0;
  let heldToTheEnd = 0;

  const hold = (slot: number) =>
    new Promise<void>((resolve) => {
      const openedAt = performance.now();
      const socket = connect({
        host: '127.0.0.1',
        port: options.httpPort,
        localAddress: options.addresses[slot % options.addresses.length],
      });
      const entry = { socket, openedAt };
      open.add(entry);
      opened++;
      let status: string | undefined;
      let error: string | undefined;
      socket.setEncoding('latin1');
      socket.once('data', (text: string) => {
        status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      });
      socket.on('error', (e: NodeJS.ErrnoException) => {
        error = e.code ?? e.message;
      });
      socket.once('connect', () => {
        socket.write(`GET /livez HTTP/1.1\r\nHost: 127.0.0.1:${options.httpPort}\r\n`);
      });
      const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), options.trickleMs);
      socket.once('close', () => {
        clearInterval(trickle);
        open.delete(entry);
        if (!stopping.signal.aborted) {
          longestHeldMs = Math.max(longestHeldMs, performance.now() - openedAt);
          refused.add(status === undefined ? (error ?? 'closed') : `HTTP ${status}`);
        }
        resolve();
      });
    });

  const slot = async (s: number) => {
    while (!stopping.signal.aborted) {
      await hold(s);
      await sleep(100);
    }
  };
  const done = Promise.all(Array.from({ length: options.sockets }, (_, s) => slot(s)));

  return {
    refused,
    async stop() {
      stopping.abort();
      const now = performance.now();
      heldToTheEnd = open.size;
      for (const { socket, openedAt } of open) {
        longestHeldMs = Math.max(longestHeldMs, now - openedAt);
        socket.destroy();
      }
      await done;
    },
    figures: () => ({
      opened,
      closedByBroker: refused.total,
      longestHeldSeconds: round(longestHeldMs / 1000),
      heldToTheEnd,
      refused: refused.toString(),
    }),
  };
}
