/**
 * JWTs an application's backend mints: verified with the configured key, `sub` naming the
 * principal, `exp` required, the `ferry` claim holding the permissions. [SEC-6]
 */

import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { permissions as readPermissions } from '../config/auth-values.js';
import type { JwtConfig } from '../config/types.js';
import { ValueError } from '../config/values.js';
import type { AuthOutcome } from './outcome.js';
import { Permissions } from './permissions.js';

/** Three base64url parts: what a compact JWS looks like (a configured token never does). */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

type Key = Uint8Array | KeyObject | JWTVerifyGetKey;

/** Only these: never `none`, never HS256 with a public key (the key-confusion attack). */
function keyOf(config: JwtConfig): { key: Key; algorithms: string[] } {
  if (config.secret !== undefined)
    return { key: new TextEncoder().encode(config.secret), algorithms: ['HS256'] };
  if (config.publicKeyFile !== undefined) {
    const key = createPublicKey(readFileSync(config.publicKeyFile, 'utf8'));
    if (key.asymmetricKeyType === 'ec') return { key, algorithms: ['ES256'] };
    if (key.asymmetricKeyType === 'rsa') return { key, algorithms: ['RS256'] };
    throw new Error(
      `auth.jwt.publicKeyFile: expected an EC P-256 or RSA public key, got ${key.asymmetricKeyType}`,
    );
  }
  const jwks = JSON.parse(readFileSync(config.jwksFile ?? '', 'utf8'));
  return { key: createLocalJWKSet(jwks), algorithms: ['ES256', 'RS256'] };
}

export class JwtVerifier {
  private readonly key: Key;
  private readonly algorithms: string[];

  /** Reads the key files now: a bad file fails the start (or the reload), not a handshake. */
  constructor(
    private readonly config: JwtConfig,
    private readonly maxNameBytes: number,
  ) {
    ({ key: this.key, algorithms: this.algorithms } = keyOf(config));
  }

  async verify(token: string): Promise<AuthOutcome> {
    const refused = (reason: string, expired = false): AuthOutcome => ({
      refused: { checked: 'jwt', passwordChecks: 0, reason, ...(expired ? { expired } : {}) },
    });
    let payload: Record<string, unknown>;
    try {
      const options = {
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        ...(this.config.issuer === undefined ? {} : { issuer: this.config.issuer }),
        ...(this.config.audience === undefined ? {} : { audience: this.config.audience }),
      };
      // jose's overloads differ only by the key's type: one call for the three kinds.
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, options));
    } catch (err) {
      if (err instanceof errors.JWTExpired) return refused('expired', true);
      if (err instanceof errors.JOSEError) return refused(err.code);
      return refused('malformed');
    }
    const name = payload.sub;
    if (typeof name !== 'string' || name === '' || Buffer.byteLength(name) > this.maxNameBytes)
      return refused('sub is not a name');
    let permissions = Permissions.none;
    if (payload.ferry !== undefined) {
      try {
        permissions = new Permissions(readPermissions.fromJson(payload.ferry));
      } catch (err) {
        if (err instanceof ValueError) return refused(`ferry claim${err.at}: ${err.message}`);
        throw err;
      }
    }
    return {
      principal: { name, kind: 'jwt', permissions, expiresAt: Number(payload.exp) * 1000 },
    };
  }
}
