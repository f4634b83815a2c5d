/** How the auth settings are read from the config file: principals and their permissions. */
import { isPasswordHash } from '../auth/password.js';
import { ACTIONS, type PermissionRule, type PermissionsConfig } from '../auth/permissions.js';
import { isTokenHash } from '../auth/token-hash.js';
import type { CertificateIdentity, JwtConfig, TokenConfig, UserConfig } from './types.js';
import {
  at,
  type JsonValue,
  nonEmpty,
  objectWithKeys,
  quote,
  show,
  ValueError,
  withIndex,
} from './values.js';

function list<T>(value: unknown, what: string, read: (entry: unknown) => T): T[] {
  if (!Array.isArray(value))
    throw new ValueError(`expected an array of ${what}, got ${show(value)}`);
  return value.map((entry, i) => withIndex(i, () => read(entry)));
}

function rule(value: unknown): PermissionRule {
  const fields = objectWithKeys(value, ['actions', 'stations']);
  const actions = at('.actions', () =>
    list(fields.actions, 'actions', (a) => {
      if (a === '*' || ACTIONS.some((known) => known === a))
        return a as PermissionRule['actions'][number];
      throw new ValueError(`expected one of ${ACTIONS.join(', ')} or *, got ${show(a)}`);
    }),
  );
  const stations = at('.stations', () =>
    list(fields.stations, 'station patterns', (p) => nonEmpty(p)),
  );
  return { actions, stations };
}

/** `{ allow: [{ actions, stations }], deny: [...] }`. [SEC-5] */
export const permissions: JsonValue<PermissionsConfig> = {
  fromJson(value) {
    const fields = objectWithKeys(value, ['allow', 'deny']);
    const allow = at('.allow', () => list(fields.allow ?? [], 'rules', rule));
    if (fields.deny === undefined) return { allow };
    return { allow, deny: at('.deny', () => list(fields.deny, 'rules', rule)) };
  },
};

function optionalPermissions(value: unknown): { permissions?: PermissionsConfig } {
  return value === undefined
    ? {}
    : { permissions: at('.permissions', () => permissions.fromJson(value)) };
}

/** Names must be unique within a list: they are who the audit trail names. */
function unique(seen: Set<string>, name: string, what: string): string {
  if (seen.has(name)) throw new ValueError(`duplicate ${what} ${quote(name)}`);
  seen.add(name);
  return name;
}

export const users: JsonValue<UserConfig[]> = {
  fromJson(value) {
    const seen = new Set<string>();
    return list(value, 'users', (entry) => {
      const fields = objectWithKeys(entry, ['username', 'passwordHash', 'permissions']);
      const username = unique(seen, nonEmpty(fields.username, '.username'), 'username');
      const passwordHash = nonEmpty(fields.passwordHash, '.passwordHash');
      // The value is a credential, so the message never repeats it.
      if (!isPasswordHash(passwordHash))
        throw new ValueError('expected a hash from `ferry-broker hash-password`', '.passwordHash');
      return { username, passwordHash, ...optionalPermissions(fields.permissions) };
    });
  },
};

/** When a token expires: an ISO 8601 date or milliseconds since the epoch. */
function instant(value: unknown): number {
  const ms =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)
        ? Date.parse(value)
        : Number.NaN;
  if (Number.isSafeInteger(ms) && ms >= 0) return ms;
  throw new ValueError(`expected an ISO 8601 date or ms since the epoch, got ${show(value)}`);
}

export const tokens: JsonValue<TokenConfig[]> = {
  fromJson(value) {
    const seen = new Set<string>();
    return list(value, 'tokens', (entry) => {
      const fields = objectWithKeys(entry, ['name', 'hash', 'expiresAt', 'permissions']);
      const name = unique(seen, nonEmpty(fields.name, '.name'), 'token name');
      const hash = nonEmpty(fields.hash, '.hash');
      if (!isTokenHash(hash))
        throw new ValueError('expected a hash from `ferry-broker hash-token`', '.hash');
      const token: TokenConfig = { name, hash, ...optionalPermissions(fields.permissions) };
      if (fields.expiresAt !== undefined)
        token.expiresAt = at('.expiresAt', () => instant(fields.expiresAt));
      return token;
    });
  },
};

export const certificates: JsonValue<CertificateIdentity[]> = {
  fromJson(value) {
    const seen = new Set<string>();
    return list(value, 'certificate identities', (entry) => {
      const fields = objectWithKeys(entry, ['commonName', 'name', 'permissions']);
      const commonName = unique(seen, nonEmpty(fields.commonName, '.commonName'), 'commonName');
      const identity: CertificateIdentity = {
        commonName,
        ...optionalPermissions(fields.permissions),
      };
      if (fields.name !== undefined) identity.name = nonEmpty(fields.name, '.name');
      return identity;
    });
  },
};

export const jwt: JsonValue<JwtConfig | undefined> = {
  fromJson(value) {
    const keys = ['secret', 'publicKeyFile', 'jwksFile', 'issuer', 'audience'] as const;
    const fields = objectWithKeys(value, keys);
    const config: JwtConfig = {};
    for (const key of keys) {
      if (fields[key] !== undefined) config[key] = nonEmpty(fields[key], `.${key}`);
    }
    const sources = ['secret', 'publicKeyFile', 'jwksFile'].filter((k) => k in config);
    if (sources.length !== 1)
      throw new ValueError('expected exactly one of secret, publicKeyFile and jwksFile');
    // HS256 with a short secret is guessable offline from any token (RFC 7518 3.2).
    if (config.secret !== undefined && new TextEncoder().encode(config.secret).length < 32)
      throw new ValueError('expected a secret of at least 32 bytes', '.secret');
    return config;
  },
};
