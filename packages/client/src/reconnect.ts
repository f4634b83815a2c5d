/** The reconnect loop: backoff between attempts, rotating through the server list. */
import { type Backoff, backoffDelay } from './backoff.js';
import { ConnectionError, ServerError } from './errors.js';
import { sleep } from './signals.js';
import type { StatusHub } from './status.js';

export interface ReconnectPlan {
  backoff: Backoff;
  random: () => number;
  servers: readonly URL[];
  /** The index of the server to try first; later attempts take the next ones in turn. */
  first: number;
  /** The first attempt's delay when the server named one (goingAway's reconnectAfterMs). */
  firstDelayMs: number | undefined;
  /** Why the last session ended: the cause when attempts run out before any other error. */
  reason: Error | undefined;
  status: StatusHub;
  lifetime: AbortSignal;
  /** False once a session is up again or the client closed: the loop stops. */
  disconnected(): boolean;
  /** Connects to `servers[index]` and makes it the live session; rejects on failure. */
  connect(index: number): Promise<void>;
  /**
   * The credentials come from a function: AUTH_FAILED may not happen with its next result,
   * so it does not end the client [SEC-6].
   */
  authFunction: boolean;
  /** Ends the client: attempts ran out, or the server refused for good. */
  giveUp(error: Error): void;
}

export async function reconnect(plan: ReconnectPlan): Promise<void> {
  const { backoff, servers, status } = plan;
  let lastError: unknown = plan.reason;
  for (let attempt = 1; plan.disconnected(); attempt++) {
    if (attempt > backoff.maxAttempts) {
      plan.giveUp(
        new ConnectionError(
          'CONNECTION_FAILED',
          `gave up reconnecting after ${backoff.maxAttempts} attempts`,
          { cause: lastError },
        ),
      );
      return;
    }
    const delayMs =
      attempt === 1 && plan.firstDelayMs !== undefined
        ? plan.firstDelayMs
        : backoffDelay(backoff, attempt, plan.random);
    status.emit({ type: 'reconnecting', attempt, delayMs });
    await sleep(delayMs, plan.lifetime);
    if (!plan.disconnected()) return;
    const index = (plan.first + attempt - 1) % servers.length;
    status.emit({ type: 'connecting', url: (servers[index] as URL).href, attempt });
    try {
      await plan.connect(index);
      return;
    } catch (error) {
      lastError = error;
      // A refusal that will not change on retry (bad credentials, no common version) ends the
      // client; credentials from a function may change, and are tried after the next backoff.
      if (
        error instanceof ServerError &&
        !error.retriable &&
        !(plan.authFunction && error.code === 'AUTH_FAILED')
      ) {
        plan.giveUp(error);
        return;
      }
    }
  }
}
