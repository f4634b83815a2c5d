/**
 * Floods the broker with handshakes that carry wrong passwords, `concurrency` at a time from
 * several loopback addresses: three in four name the configured user, one in four a user that
 * does not exist. Each must be refused; none may be accepted. The time to the refusal is kept
 * per kind, since a refusal that is quicker for unknown users tells an attacker which exist.
 */
import { setMaxListeners } from 'node:events';
import { handshake } from '../raw-connection.js';
import { percentile, round } from '../stats.js';
import { sleep } from '../time.js';
import { type Attack, Tally } from './attack.js';

export interface HandshakeFloodOptions {
  port: number;
  addresses: readonly string[];
  username: string;
  concurrency: number;
}

/** A refusal may be delayed on purpose; past this the attempt is abandoned. */
const ATTEMPT_TIMEOUT_MS = 15_000;

export function handshakeFlood(options: HandshakeFloodOptions): Attack {
  const refused = new Tally();
  const knownMs: number[] = [];
  const unknownMs: number[] = [];
  let next = 0;
  let attempts = 0;
  let accepted = 0;
  const stopping = new AbortController();
  // One listener per socket in progress: as many as the attack has sockets.
  setMaxListeners(0, stopping.signal);
  const started = performance.now();
  let seconds = 0;

  const worker = async (w: number) => {
    while (!stopping.signal.aborted) {
      const n = next++;
      const known = n % 4 !== 3;
      const hs = await handshake({
        port: options.port,
        localAddress: options.addresses[w % options.addresses.length],
        auth: { username: known ? options.username : `nobody-${n}`, password: `wrong-${n}` },
        timeoutMs: ATTEMPT_TIMEOUT_MS,
        signal: stopping.signal,
      });
      if (stopping.signal.aborted) {
        if (hs.ok) hs.connection.destroy();
        break;
      }
      attempts++;
      if (hs.ok) {
        accepted++;
        hs.connection.destroy();
        continue;
      }
      refused.add(hs.code);
      if (hs.code === 'AUTH_FAILED') (known ? knownMs : unknownMs).push(hs.ms);
      // Refused before any password check: pause, or this loop only measures itself.
      else await sleep(20);
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));

  return {
    refused,
    async stop() {
      stopping.abort();
      seconds = (performance.now() - started) / 1000;
      await done;
    },
    figures: () => ({
      attempts,
      perSecond: round(attempts / seconds),
      accepted,
      knownUserRefusalP50Ms: round(percentile(knownMs, 50)),
      unknownUserRefusalP50Ms: round(percentile(unknownMs, 50)),
      refused: refused.toString(),
    }),
  };
}
