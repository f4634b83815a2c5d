/** Brokers whose principals are named tokens: a config file with one token per principal. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../../src/auth/token-hash.js';

/** The token a test gives to principal `name` (32 characters or more, as a real one). */
export const tokenOf = (name: string) => `token-of-${name}-0123456789abcdef`;

/**
 * Writes `dir/ferry.json` whose `auth.tokens` hold one token per principal with its
 * permissions (every action when undefined), plus `auth`'s other settings; returns its path.
 */
export function tokenConfig(
  dir: string,
  principals: Readonly<Record<string, object | undefined>>,
  auth: object = {},
): string {
  const file = join(dir, 'ferry.json');
  const tokens = Object.entries(principals).map(([name, permissions]) => ({
    name,
    hash: hashToken(tokenOf(name)),
    ...(permissions === undefined ? {} : { permissions }),
  }));
  writeFileSync(file, JSON.stringify({ auth: { tokens, ...auth } }));
  return file;
}
