/** Credentials from the `auth` option, and when to refresh them before they expire [SEC-6]. */
import type { Auth } from '@ferry/protocol';
import { ConnectionError } from './errors.js';
import type { AuthOption } from './options.js';

/** The credentials to present: the option's value, or what its function returns. */
export async function credentials(auth: AuthOption | undefined): Promise<Auth | undefined> {
  try {
    return typeof auth === 'function' ? await auth() : auth;
  } catch (cause) {
    throw new ConnectionError('CONNECTION_FAILED', 'the auth function failed', { cause });
  }
}

/** The least time between two reauths the client starts on its own. */
export const MIN_REFRESH_MS = 1000;

/**
 * How long after learning that credentials expire in `remainingMs` to refresh them: at 80%
 * of that time, or 5 s before the expiry if that comes first, but not before half of it nor
 * before {@link MIN_REFRESH_MS} (a clock far ahead of the broker's must not cause a storm).
 */
export function refreshDelay(remainingMs: number): number {
  return Math.max(MIN_REFRESH_MS, remainingMs / 2, Math.min(remainingMs * 0.8, remainingMs - 5000));
}

/** The longest delay timers take; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `callback` at `at` (ms since the epoch), never synchronously, on a timer that keeps no
 * Node or Deno process alive, however far away `at` is; returns a function that cancels it.
 */
export function backgroundTimer(at: number, callback: () => void): () => void {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    handle = setTimeout(
      () => (Date.now() < at ? arm() : callback()),
      Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS),
    );
    // Node's timers have unref(); Deno's are numbers that Deno.unrefTimer takes; browsers need neither.
    (handle as unknown as { unref?(): void }).unref?.();
    (globalThis as { Deno?: { unrefTimer?(id: unknown): void } }).Deno?.unrefTimer?.(handle);
  };
  arm();
  return () => clearTimeout(handle);
}
