/** Who a hello's credentials belong to, or undefined when they are not accepted. */
import { timingSafeEqual } from 'node:crypto';
import { verifyPassword } from '../auth/password.js';
import type { BrokerConfig } from '../config/types.js';

export type Authenticate = (auth?: {
  token?: string;
  username?: string;
  password?: string;
}) => Promise<string | undefined>;

function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function authenticator(config: BrokerConfig['auth']): Authenticate {
  const open = config.token === undefined && config.users.length === 0;
  const users = new Map(config.users.map((u) => [u.username, u.passwordHash]));
  return async (auth) => {
    if (open) return 'anonymous';
    if (
      config.token !== undefined &&
      auth?.token !== undefined &&
      sameSecret(auth.token, config.token)
    )
      return 'token';
    if (auth?.username !== undefined && auth.password !== undefined) {
      const hash = users.get(auth.username);
      if (hash !== undefined && (await verifyPassword(auth.password, hash))) return auth.username;
    }
    return undefined;
  };
}
