/** Who a hello's credentials belong to, or why they are not accepted. */
import { timingSafeEqual } from 'node:crypto';
import type { BrokerConfig } from '../config/types.js';
import type { Authenticate, AuthRefusal } from './outcome.js';
import { unmatchableHash } from './password.js';
import { PasswordChecks } from './password-checks.js';

function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function authenticator(config: BrokerConfig['auth']): Authenticate {
  const open = config.token === undefined && config.users.length === 0;
  const users = new Map(config.users.map((u) => [u.username, u.passwordHash]));
  // An unknown user's password is checked too, at the same cost, so the answer's timing
  // does not tell which users exist. [SEC-3]
  const unknownUser = unmatchableHash(config.users[0]?.passwordHash);
  const checks = new PasswordChecks({
    concurrency: config.maxConcurrentPasswordChecks,
    queue: config.maxQueuedPasswordChecks,
  });
  const refused = (checked: AuthRefusal['checked']) => ({
    refused: { checked, passwordChecks: checks.completed },
  });
  return async (auth, signal) => {
    if (open) return { principal: 'anonymous' };
    if (
      config.token !== undefined &&
      auth?.token !== undefined &&
      sameSecret(auth.token, config.token)
    )
      return { principal: 'token' };
    if (auth?.username !== undefined && auth.password !== undefined && users.size > 0) {
      const hash = users.get(auth.username);
      const matches = await checks.verify(auth.password, hash ?? unknownUser, signal);
      return matches && hash !== undefined ? { principal: auth.username } : refused('password');
    }
    return refused(auth?.token === undefined ? 'none' : 'token');
  };
}
