/** Opening one session: the transport, hello, and the server's welcome, within connectTimeoutMs. */
import {
  type Action,
  DEFAULT_LIMITS,
  encodeClientFrame,
  type Limits,
  type Permissions,
  PROTOCOL_VERSION,
  permissionCheck,
  REPLY_TYPES,
  type WelcomeFrame,
} from '@ferry/protocol';
import { credentials } from './credentials.js';
import { handled } from './deferred.js';
import { decodeFromServer, serverError } from './dispatch.js';
import {
  abortError,
  ClosedError,
  ConnectionError,
  TimeoutError,
  UnexpectedReplyError,
} from './errors.js';
import type { ResolvedOptions } from './options.js';
import { anySignal } from './signals.js';
import type { Transport } from './transport.js';

const CLIENT_NAME = '@ferry/client';
const CLIENT_VERSION = '0.0.0';

/** What the broker said about itself in the handshake. */
export interface ServerInfo {
  url: string;
  version: number;
  serverName: string;
  serverVersion: string;
  connectionId: string;
  limits: Readonly<Limits>;
  /** Who the credentials authenticated; absent when the broker requires none [SEC-6]. */
  principal?: string;
  /**
   * When the connection's credentials expire, in ms since the Unix epoch, from welcome and
   * then from each accepted reauth; absent when they do not expire [SEC-6].
   */
  authExpiresAt?: number;
  /**
   * The principal's permissions as the broker enforces them [SEC-9]; absent when the broker
   * grants everything to every connection. Updated by each accepted reauth.
   */
  permissions?: Permissions;
  /**
   * Whether the permissions allow `action` on `station`: for hiding what would be refused.
   * The broker decides; this only reads what it said.
   */
  may(action: Action, station: string): boolean;
}

export function serverInfo(url: URL, welcome: WelcomeFrame): ServerInfo {
  return {
    url: url.href,
    version: welcome.version,
    serverName: welcome.serverName,
    serverVersion: welcome.serverVersion,
    connectionId: welcome.connectionId,
    limits: welcome.limits,
    principal: welcome.principal,
    authExpiresAt: welcome.authExpiresAt,
    ...withPermissions(welcome.permissions),
  };
}

/** The permissions and the check that reads them, replaced together. */
export function withPermissions(
  permissions: Permissions | undefined,
): Pick<ServerInfo, 'permissions' | 'may'> {
  const check = permissionCheck(permissions);
  return { permissions, may: (action, station) => check.allows(action, station) };
}

/** A transport whose handshake completed. */
export interface Session {
  transport: Transport;
  frames: AsyncIterator<Uint8Array>;
  welcome: WelcomeFrame;
}

/**
 * Connects to `url` and completes the handshake. Rejects with TIMEOUT after
 * connectTimeoutMs, ABORTED when `callerSignal` fires, CLIENT_CLOSED when `lifetime` fires,
 * the server's error when it refuses, PROTOCOL_VIOLATION when it answers hello wrongly, or
 * CONNECTION_FAILED when the transport cannot connect or the auth function fails.
 */
export async function handshake(
  options: ResolvedOptions,
  url: URL,
  limits: Readonly<Limits>,
  callerSignal: AbortSignal | undefined,
  lifetime: AbortSignal,
): Promise<Session> {
  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(
        new TimeoutError(`connecting to ${url.href} took over ${options.connectTimeoutMs} ms`),
      ),
    options.connectTimeoutMs,
  );
  const linked = anySignal([callerSignal, timeout.signal, lifetime]);
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(linked.signal.reason);
    if (linked.signal.aborted) onAbort();
    else linked.signal.addEventListener('abort', onAbort, { once: true });
  });
  handled(aborted);
  let transport: Transport | undefined;
  try {
    // Before the transport opens, so that the broker does not wait for a token being minted.
    const auth = await Promise.race([credentials(options.auth), aborted]);
    transport = await options.transport({
      url,
      maxFrameBytes: limits.maxFrameBytes,
      signal: linked.signal,
      inbound: options.inbound,
    });
    const frames = transport[Symbol.asyncIterator]();
    transport.send(
      encodeClientFrame(
        {
          type: 'hello',
          id: 0,
          minVersion: PROTOCOL_VERSION,
          maxVersion: PROTOCOL_VERSION,
          ...(auth === undefined ? {} : { auth }),
          clientName: options.name ?? CLIENT_NAME,
          clientVersion: CLIENT_VERSION,
        },
        limits,
      ),
    );
    const welcome = await welcomeOf(transport, frames, aborted);
    return { transport, frames, welcome };
  } catch (error) {
    void transport?.close();
    if (timeout.signal.aborted && !callerSignal?.aborted) throw timeout.signal.reason;
    if (callerSignal?.aborted) throw abortError(callerSignal, 'connect');
    if (lifetime.aborted) throw new ClosedError();
    throw error;
  } finally {
    clearTimeout(timer);
    linked.dispose();
  }
}

async function welcomeOf(
  transport: Transport,
  frames: AsyncIterator<Uint8Array>,
  aborted: Promise<never>,
): Promise<WelcomeFrame> {
  const next = await Promise.race([frames.next(), aborted]);
  if (next.done) {
    const cause = await transport.closed();
    throw new ConnectionError(
      'CONNECTION_FAILED',
      'the server closed the connection during the handshake',
      { cause },
    );
  }
  const frame = decodeFromServer(next.value, DEFAULT_LIMITS);
  if (frame.type === 'welcome') return frame;
  if (frame.type === 'error') throw serverError(frame);
  throw new UnexpectedReplyError('hello', REPLY_TYPES.hello, frame.type);
}
