/**
 * Is the broker still there for a newcomer? While the attack runs, one probe after another asks
 * `GET /livez` on a fresh socket, and another connects a fresh SDK client (with the right
 * password, trying again after a retriable refusal such as OVERLOADED), pings and closes, each
 * within a time bound.
 */
import { get } from 'node:http';
import { connect, FerryError, type NodeConnectOptions } from '@ferry/node';
import { sleep, within } from '../time.js';

export interface Probe {
  ok: number;
  attempted: number;
  /** Why the first failure failed. */
  firstFailure?: string;
}

export interface Probes {
  readonly livez: Probe;
  readonly connect: Probe;
  stop(): Promise<void>;
}

const LIVEZ_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;
const RETRY_MS = 250;
/** Newcomers trying at once: each is one connection at a time. */
export const NEWCOMERS = 3;

function livez(port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = get(
      { host: '127.0.0.1', port, path: '/livez', agent: false, timeout: LIVEZ_TIMEOUT_MS, signal },
      (response) => {
        response.resume();
        if (response.statusCode === 200) resolve();
        else reject(new Error(`HTTP ${response.statusCode}`));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

/** A newcomer as an application writes one: it tries again after a refusal that says it may. */
async function newClient(
  url: string,
  options: NodeConnectOptions,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  for (let tries = 1; ; tries++) {
    const connectTimeoutMs = deadline - Date.now();
    try {
      const client = await connect(url, { ...options, connectTimeoutMs, reconnect: false, signal });
      try {
        await client.ping();
        return;
      } finally {
        await client.close();
      }
    } catch (error) {
      const retriable = error instanceof FerryError && error.retriable;
      if (!retriable || signal.aborted) throw error;
      if (Date.now() + RETRY_MS >= deadline)
        throw new Error(
          `not connected after ${tries} tries in ${CONNECT_TIMEOUT_MS} ms, the last: ${String(error)}`,
        );
      await sleep(RETRY_MS);
    }
  }
}

export function startProbes(
  target: { url: string; httpPort: number; client: NodeConnectOptions },
  everyMs: number,
): Probes {
  // Stopping abandons a probe in progress: it is not counted.
  const stopping = new AbortController();
  const { signal } = stopping;
  const loop = (probe: Probe, attempt: () => Promise<void>, timeoutMs: number, delayMs = 0) =>
    (async () => {
      await sleep(delayMs);
      while (!signal.aborted) {
        const started = Date.now();
        try {
          await within(attempt(), timeoutMs, 'timeout');
          probe.ok++;
          probe.attempted++;
        } catch (error) {
          if (signal.aborted) break;
          probe.attempted++;
          probe.firstFailure ??= error instanceof Error ? error.message : String(error);
        }
        await sleep(Math.max(0, everyMs - (Date.now() - started)));
      }
    })();
  const probes = {
    livez: { ok: 0, attempted: 0 },
    connect: { ok: 0, attempted: 0 },
  };
  // A newcomer that is kept out takes its whole 10 s to fail: several of them, staggered, so
  // that a short attack still gives a fair count.
  const newcomers = Array.from({ length: NEWCOMERS }, (_, i) =>
    loop(
      probes.connect,
      () => newClient(target.url, target.client, signal),
      CONNECT_TIMEOUT_MS + 5_000,
      (i * everyMs) / NEWCOMERS,
    ),
  );
  const done = Promise.all([
    loop(probes.livez, () => livez(target.httpPort, signal), LIVEZ_TIMEOUT_MS + 1_000),
    ...newcomers,
  ]);
  return {
    ...probes,
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
