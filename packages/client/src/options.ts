/** Connection options and their defaults. */
import type { Auth } from '@ferry/protocol';
import { type Backoff, backoffFrom, type ReconnectOptions } from './backoff.js';
import { DEFAULT_INBOUND_LIMITS } from './internal/frame-queue.js';
import type { InboundLimits, TransportFactory } from './transport.js';

export interface ConnectOptions {
  /** Opens connections; each runtime package passes its own. */
  transport: TransportFactory;
  /**
   * Credentials: a token, or a username and password; or a function that returns them, which
   * the client calls before every connect and reconnect and for every reauth, so that an
   * application can mint a fresh short-lived token each time [SEC-6].
   *
   * With a function, the client also keeps the connection's credentials fresh: when the
   * broker says they expire (`authExpiresAt`, in `client.server`), it calls the function and
   * presents the result with a `reauth` once 80% of the remaining lifetime has passed, or 5 s
   * before the expiry if that comes first, but not before half of it (nor 1 s) has passed.
   * The subscriptions go on untouched. A refused reauth (or a function that throws) is tried
   * again with the `reconnect` backoff, at least 1 s apart, until the expiry; past it the
   * broker closes the connection with `AUTH_EXPIRED` and the client reconnects, calling the
   * function again. `client.reauth()` reauthenticates at once, with a value or a function.
   *
   * A function that throws or rejects fails that connect attempt with `CONNECTION_FAILED`
   * (its `cause` is what was thrown), and a reconnect tries again after the usual backoff.
   *
   * When the broker refuses the credentials (`AUTH_FAILED`): the first connect rejects with
   * that error. On a reconnect, a value (which would be refused again) closes the client with
   * that error (a `closed` status event) instead of retrying; a function keeps being called,
   * with the normal exponential backoff between attempts (so never faster than after a lost
   * connection), so a client recovers once its backend hands out a good token again.
   */
  auth?: AuthOption;
  /** Shown in the broker's logs. */
  name?: string;
  /** Gives up connecting (the first time, each server once) after this long. Default 10,000 ms. */
  connectTimeoutMs?: number;
  /** How long a request waits for its reply unless the call says otherwise. Default 15,000 ms. */
  requestTimeoutMs?: number;
  /**
   * Reconnect settings, or `false` to close the client when the connection drops. The client
   * tries the server it lost first, then the rest of its list in turn; after a broker's
   * `goingAway` it waits the broker's `reconnectAfterMs` and tries the next server first.
   */
  reconnect?: ReconnectOptions | false;
  /**
   * Bounds on what is kept to send while there is no connection to write on (disconnected,
   * after `goingAway`, or the transport past its high-water mark); past either, calls fail with
   * BUFFER_FULL. Defaults: 8 MiB, 4,096 frames.
   */
  buffer?: { maxBytes?: number; maxFrames?: number };
  /**
   * Bounds on received frames the client has not processed yet, the same in every runtime.
   * Past either, a socket that can pause stops reading (the broker then backs up); a browser
   * WebSocket, which cannot, closes the connection and the client reconnects. Defaults:
   * 16 MiB and 4,096 frames. One frame is always accepted, however large.
   */
  inbound?: { maxBytes?: number; maxFrames?: number };
  /** Aborts the initial connect. */
  signal?: AbortSignal;
  /** Random source for backoff jitter, in [0, 1). Tests make it deterministic. */
  random?: () => number;
}

/**
 * The `auth` option: credentials, or a function that returns them for each connect and
 * reauth [SEC-6].
 */
export type AuthOption = Auth | (() => Auth | Promise<Auth>);

export interface ResolvedOptions {
  transport: TransportFactory;
  /** Replaced by the credentials of an accepted `client.reauth(auth)` when it is a value. */
  auth: AuthOption | undefined;
  name: string | undefined;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  reconnect: Backoff | undefined;
  bufferMaxBytes: number;
  bufferMaxFrames: number;
  /** Passed to the transport factory as `TransportOptions.inbound`. */
  inbound: InboundLimits;
  random: () => number;
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a positive number`);
  return value;
}

export function resolveOptions(options: ConnectOptions): ResolvedOptions {
  return {
    transport: options.transport,
    auth: options.auth,
    name: options.name,
    connectTimeoutMs: positive(options.connectTimeoutMs ?? 10_000, 'connectTimeoutMs'),
    requestTimeoutMs: positive(options.requestTimeoutMs ?? 15_000, 'requestTimeoutMs'),
    reconnect: options.reconnect === false ? undefined : backoffFrom(options.reconnect),
    bufferMaxBytes: positive(options.buffer?.maxBytes ?? 8 * 1024 * 1024, 'buffer.maxBytes'),
    bufferMaxFrames: positive(options.buffer?.maxFrames ?? 4096, 'buffer.maxFrames'),
    inbound: {
      maxBytes: positive(
        options.inbound?.maxBytes ?? DEFAULT_INBOUND_LIMITS.maxBytes,
        'inbound.maxBytes',
      ),
      maxFrames: positive(
        options.inbound?.maxFrames ?? DEFAULT_INBOUND_LIMITS.maxFrames,
        'inbound.maxFrames',
      ),
    },
    random: options.random ?? Math.random,
  };
}

/** Turns the `servers` argument into URLs; at least one is required. */
export function parseServers(servers: string | URL | readonly (string | URL)[]): URL[] {
  const list = typeof servers === 'string' || servers instanceof URL ? [servers] : [...servers];
  if (list.length === 0) throw new TypeError('connect needs at least one server URL');
  return list.map((server) => {
    try {
      return new URL(server);
    } catch (error) {
      throw new TypeError(`not a server URL: ${String(server)}`, { cause: error });
    }
  });
}
