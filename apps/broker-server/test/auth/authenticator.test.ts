import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/auth/authenticate.js';
import type { AuthOutcome, Principal } from '../../src/auth/outcome.js';
import { hashPassword } from '../../src/auth/password.js';
import { hashToken, isTokenHash, newToken } from '../../src/auth/token-hash.js';
import type { BrokerConfig } from '../../src/config/types.js';
import { testConfig } from '../support/test-config.js';

type AuthConfig = BrokerConfig['auth'];

function auth(overrides: Partial<AuthConfig>): AuthConfig {
  return { ...testConfig().auth, ...overrides };
}

function principal(outcome: AuthOutcome): Principal {
  if ('refused' in outcome) throw new Error(`refused: ${JSON.stringify(outcome.refused)}`);
  return outcome.principal;
}

const browseAll = { allow: [{ actions: ['browse' as const], stations: ['*'] }] };

describe('Authenticator', () => {
  it('[SEC-5] an open broker grants everything to anonymous; any principal configured closes it', async () => {
    const open = new Authenticator(auth({}), 128);
    const anon = principal(await open.authenticate({}));
    expect([anon.name, anon.kind, anon.permissions.allows('admin', 'x')]).toEqual([
      'anonymous',
      'anonymous',
      true,
    ]);
    const closed = new Authenticator(auth({ tokens: [{ name: 't', hash: hashToken('x') }] }), 128);
    expect(await closed.authenticate({})).toMatchObject({ refused: { checked: 'none' } });
  });

  it('[SEC-6] named tokens are matched by hash, carry their permissions and stop at their expiry', async () => {
    const dashboard = newToken();
    const old = newToken();
    const tokens = [
      { name: 'dashboard', hash: hashToken(dashboard), permissions: browseAll },
      { name: 'old', hash: hashToken(old), expiresAt: Date.now() - 1000 },
    ];
    expect(tokens.every((t) => isTokenHash(t.hash))).toBe(true);
    const a = new Authenticator(auth({ tokens }), 128);
    const who = principal(await a.authenticate({ auth: { token: dashboard } }));
    expect([who.name, who.kind]).toEqual(['dashboard', 'token']);
    expect(who.permissions.allows('browse', 'orders')).toBe(true);
    expect(who.permissions.allows('produce', 'orders')).toBe(false);
    expect(await a.authenticate({ auth: { token: old } })).toMatchObject({
      refused: { checked: 'token', expired: true },
    });
    expect(await a.authenticate({ auth: { token: 'guess' } })).toMatchObject({
      refused: { checked: 'token' },
    });
  });

  it('[SEC-7] a verified client certificate whose CN is configured authenticates without credentials', async () => {
    const certificates = [
      { commonName: 'billing-service', name: 'billing', permissions: browseAll },
    ];
    const a = new Authenticator(auth({ certificates }), 128);
    const fingerprint256 = 'AA:BB';
    const who = principal(
      await a.authenticate({ certificate: { commonName: 'billing-service', fingerprint256 } }),
    );
    expect([who.name, who.kind]).toEqual(['billing', 'certificate']);
    expect(
      await a.authenticate({ certificate: { commonName: 'someone-else', fingerprint256 } }),
    ).toMatchObject({ refused: { checked: 'certificate' } });
  });

  it('[SEC-5] after a reload a principal keeps its name with the new permissions, or is gone', async () => {
    const passwordHash = await hashPassword('pw');
    const token = newToken();
    const first = auth({
      users: [{ username: 'alice', passwordHash }],
      tokens: [{ name: 'ci', hash: hashToken(token) }],
    });
    const a = new Authenticator(first, 128);
    const alice = principal(await a.authenticate({ auth: { username: 'alice', password: 'pw' } }));
    const ci = principal(await a.authenticate({ auth: { token } }));
    expect(alice.permissions.allows('admin', 'x')).toBe(true);
    a.reload(auth({ users: [{ username: 'alice', passwordHash, permissions: browseAll }] }));
    expect(a.current(alice)?.permissions.allows('admin', 'x')).toBe(false);
    expect(a.current(alice)?.permissions.allows('browse', 'x')).toBe(true);
    expect(a.current(ci)).toBeUndefined();
    expect(await a.authenticate({ auth: { token } })).toMatchObject({ refused: {} });
  });
});
