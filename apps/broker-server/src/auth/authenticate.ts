/**
 * Who a connection's credentials belong to and what they may do, or why they are not accepted:
 * the shared token, named tokens (hashed), users (scrypt), JWTs, and client certificates.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Auth } from '@ferry/protocol';
import type { BrokerConfig } from '../config/types.js';
import { JwtVerifier, looksLikeJwt } from './jwt.js';
import type { AuthOutcome, AuthRefusal, AuthRequest, Principal } from './outcome.js';
import { unmatchableHash } from './password.js';
import { PasswordChecks } from './password-checks.js';
import { Permissions, type PermissionsConfig } from './permissions.js';
import { hashToken } from './token-hash.js';

type AuthConfig = BrokerConfig['auth'];

/** Whether clients must authenticate: any principal configured. [SEC-1] */
export function authRequired(config: AuthConfig): boolean {
  return (
    config.token !== undefined ||
    config.users.length > 0 ||
    config.tokens.length > 0 ||
    config.certificates.length > 0 ||
    config.jwt !== undefined
  );
}

function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const permissionsOf = (config: PermissionsConfig | undefined) =>
  config === undefined ? Permissions.all : new Permissions(config);

/** One configuration's principals, compiled; replaced whole on a reload. */
class Principals {
  readonly open: boolean;
  readonly users: ReadonlyMap<string, { hash: string; permissions: Permissions }>;
  readonly tokens: ReadonlyMap<string, Principal>;
  readonly certificates: ReadonlyMap<string, Principal>;
  readonly jwt: JwtVerifier | undefined;
  /** A hash no password matches, checked for unknown users at the same cost. [SEC-3] */
  readonly unknownUser: string;

  constructor(
    readonly config: AuthConfig,
    maxNameBytes: number,
  ) {
    this.open = !authRequired(config);
    this.users = new Map(
      config.users.map((u) => [
        u.username,
        { hash: u.passwordHash, permissions: permissionsOf(u.permissions) },
      ]),
    );
    this.tokens = new Map(
      config.tokens.map((t) => {
        const principal: Principal = {
          name: t.name,
          kind: 'token',
          permissions: permissionsOf(t.permissions),
        };
        if (t.expiresAt !== undefined) principal.expiresAt = t.expiresAt;
        return [t.hash, principal];
      }),
    );
    this.certificates = new Map(
      config.certificates.map((c) => [
        c.commonName,
        {
          name: c.name ?? c.commonName,
          kind: 'certificate',
          permissions: permissionsOf(c.permissions),
        },
      ]),
    );
    this.jwt = config.jwt === undefined ? undefined : new JwtVerifier(config.jwt, maxNameBytes);
    this.unknownUser = unmatchableHash(config.users[0]?.passwordHash);
  }
}

export class Authenticator {
  private principals: Principals;
  private readonly checks: PasswordChecks;

  constructor(
    config: AuthConfig,
    private readonly maxNameBytes: number,
  ) {
    this.principals = new Principals(config, maxNameBytes);
    this.checks = new PasswordChecks({
      concurrency: config.maxConcurrentPasswordChecks,
      queue: config.maxQueuedPasswordChecks,
    });
  }

  /** Takes new principals (SIGHUP); throws, keeping the old ones, when a key file is bad. */
  reload(config: AuthConfig): void {
    this.principals = new Principals(config, this.maxNameBytes);
  }

  readonly authenticate = async (request: AuthRequest): Promise<AuthOutcome> => {
    const p = this.principals;
    const { auth, certificate } = request;
    if (p.open)
      return { principal: { name: 'anonymous', kind: 'anonymous', permissions: Permissions.all } };
    if (auth?.token !== undefined) return this.token(p, auth.token);
    if (auth?.username !== undefined && auth.password !== undefined)
      return this.password(p, auth, request.signal);
    // Credentials in hello come first; without any, a mapped client certificate speaks.
    const common = certificate?.commonName;
    const identity = common === undefined ? undefined : p.certificates.get(common);
    if (identity !== undefined) return { principal: identity };
    return this.refused(certificate === undefined ? 'none' : 'certificate');
  };

  /**
   * What a connection's principal is under the current configuration, after a reload: the
   * same one with its new permissions, or undefined when it is no longer accepted.
   */
  current(principal: Principal): Principal | undefined {
    const p = this.principals;
    if (p.open) return { name: 'anonymous', kind: 'anonymous', permissions: Permissions.all };
    switch (principal.kind) {
      case 'anonymous':
        return undefined;
      case 'shared-token':
        return p.config.token === undefined ? undefined : principal;
      case 'jwt':
        return p.jwt === undefined ? undefined : principal;
      case 'user': {
        const user = p.users.get(principal.name);
        return user === undefined ? undefined : { ...principal, permissions: user.permissions };
      }
      case 'token':
        return [...p.tokens.values()].find((t) => t.name === principal.name);
      case 'certificate':
        return [...p.certificates.values()].find((c) => c.name === principal.name);
    }
  }

  private async token(p: Principals, token: string): Promise<AuthOutcome> {
    if (p.config.token !== undefined && sameSecret(token, p.config.token))
      return { principal: { name: 'token', kind: 'shared-token', permissions: Permissions.all } };
    if (p.jwt !== undefined && looksLikeJwt(token)) return p.jwt.verify(token);
    // A lookup by hash leaks, at most, how the hash of the guess compares: nothing about a token.
    const named = p.tokens.get(hashToken(token));
    if (named === undefined) return this.refused('token');
    if (named.expiresAt !== undefined && named.expiresAt <= Date.now())
      return this.refused('token', { expired: true, reason: `token ${named.name} expired` });
    return { principal: named };
  }

  private async password(p: Principals, auth: Auth, signal?: AbortSignal): Promise<AuthOutcome> {
    const user = p.users.get(auth.username ?? '');
    if (p.users.size === 0) return this.refused('password');
    const matches = await this.checks.verify(
      auth.password ?? '',
      user?.hash ?? p.unknownUser,
      signal,
    );
    if (!matches || user === undefined) return this.refused('password');
    return {
      principal: { name: auth.username ?? '', kind: 'user', permissions: user.permissions },
    };
  }

  private refused(
    checked: AuthRefusal['checked'],
    more: Pick<AuthRefusal, 'expired' | 'reason'> = {},
  ): AuthOutcome {
    return { refused: { checked, passwordChecks: this.checks.completed, ...more } };
  }
}
