/**
 * Credentials of an HTTP request: `Authorization: Bearer <token or JWT>` or `Basic` with a
 * username and password, checked by the same authenticator as a connection's hello.
 */
import type { IncomingMessage } from 'node:http';
import type { Auth } from '@ferry/protocol';
import { FerryError } from '@ferry/protocol';

export function credentialsOf(req: IncomingMessage): Auth | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (space > 0 && scheme === 'bearer' && value !== '') return { token: value };
  if (space > 0 && scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  throw new FerryError(
    'AUTH_FAILED',
    'Authorization must be Bearer <token> or Basic <user:password>',
  );
}
