/**
 * Which pages may open a WebSocket to the broker. Only browsers send Origin, and a browser
 * sends it on every cross-site request: without this check any site a user visits could reach
 * a broker on their machine. [SEC-2]
 */
import { isIP } from 'node:net';

/** The allowlist entry that allows any origin. */
export const ANY_ORIGIN = '*';

/**
 * Whether a WebSocket handshake with this Origin header, sent with this Host header, is
 * accepted. With an allowlist: the origins in it ('*' for any). Without one: no Origin (not a
 * browser), an Origin on a loopback host, or an Origin naming the host the request was sent
 * to, written as an IP address (a name could be rebound to this address by another site).
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowlist: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowlist.length > 0) return allowlist.includes(ANY_ORIGIN) || allowlist.includes(origin);
  const page = parseOrigin(origin);
  if (page === undefined) return false;
  if (isLoopback(page.hostname)) return true;
  if (host === undefined || !URL.canParse(`${page.protocol}//${host}`)) return false;
  const target = new URL(`${page.protocol}//${host}`);
  return target.host === page.host && isIP(unbracket(target.hostname)) !== 0;
}

/** How the start-up log and the refusal describe the policy. */
export function describeOriginPolicy(allowlist: readonly string[]): string {
  if (allowlist.includes(ANY_ORIGIN)) return 'any origin';
  if (allowlist.length > 0) return allowlist.join(', ');
  return 'no Origin, loopback and same-host origins only';
}

function parseOrigin(origin: string): URL | undefined {
  if (!URL.canParse(origin)) return undefined;
  const url = new URL(origin);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

function isLoopback(hostname: string): boolean {
  const name = unbracket(hostname);
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1';
}

function unbracket(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}
