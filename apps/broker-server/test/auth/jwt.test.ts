import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtVerifier, looksLikeJwt } from '../../src/auth/jwt.js';
import type { AuthOutcome } from '../../src/auth/outcome.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('jwt');
const SECRET = 'a-secret-of-at-least-thirty-two-bytes!';
const secretKey = new TextEncoder().encode(SECRET);
const nowS = () => Math.floor(Date.now() / 1000);
const produceOrders = { allow: [{ actions: ['produce'], stations: ['orders.*'] }] };

function signed(claims: Record<string, unknown> = {}, expiresIn = 600) {
  return new SignJWT({ ferry: produceOrders, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('web-app')
    .setExpirationTime(nowS() + expiresIn);
}

function refusal(outcome: AuthOutcome) {
  if (!('refused' in outcome)) throw new Error(`accepted as ${outcome.principal.name}`);
  return outcome.refused;
}

describe('JWT credentials', () => {
  it('[SEC-6] an HS256 token names its principal by sub, with the ferry claim as permissions and exp as expiry', async () => {
    const verifier = new JwtVerifier({ secret: SECRET }, 128);
    const exp = nowS() + 600;
    const token = await signed().setExpirationTime(exp).sign(secretKey);
    expect(looksLikeJwt(token)).toBe(true);
    const outcome = await verifier.verify(token);
    if ('refused' in outcome) throw new Error('refused');
    const { principal } = outcome;
    expect([principal.name, principal.kind, principal.expiresAt]).toEqual([
      'web-app',
      'jwt',
      exp * 1000,
    ]);
    expect(principal.permissions.allows('produce', 'orders.eu')).toBe(true);
    expect(principal.permissions.allows('consume', 'orders.eu')).toBe(false);
  });

  it('[SEC-6] refuses an expired token (saying so), a bad signature, alg none, a missing exp or sub', async () => {
    const verifier = new JwtVerifier({ secret: SECRET }, 128);
    const expired = await signed({}, -60).sign(secretKey);
    expect(refusal(await verifier.verify(expired))).toMatchObject({
      checked: 'jwt',
      expired: true,
    });
    const other = await signed().sign(new TextEncoder().encode(`${SECRET}-other`));
    expect(refusal(await verifier.verify(other)).expired).toBeUndefined();
    const none = new UnsecuredJWT({ sub: 'web-app', ferry: produceOrders })
      .setExpirationTime(nowS() + 600)
      .encode();
    expect(refusal(await verifier.verify(none)).checked).toBe('jwt');
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .sign(secretKey);
    expect(refusal(await verifier.verify(noExp)).checked).toBe('jwt');
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(nowS() + 60)
      .sign(secretKey);
    expect(refusal(await verifier.verify(noSub)).checked).toBe('jwt');
    const longSub = await signed().setSubject('x'.repeat(129)).sign(secretKey);
    expect(refusal(await verifier.verify(longSub)).reason).toMatch(/sub/);
  });

  it('[SEC-6] checks issuer and audience when configured, and the shape of the ferry claim', async () => {
    const verifier = new JwtVerifier({ secret: SECRET, issuer: 'shop', audience: 'ferry' }, 128);
    const right = await signed().setIssuer('shop').setAudience('ferry').sign(secretKey);
    expect('principal' in (await verifier.verify(right))).toBe(true);
    const wrongAudience = await signed().setIssuer('shop').setAudience('other').sign(secretKey);
    expect(refusal(await verifier.verify(wrongAudience)).checked).toBe('jwt');
    const noIssuer = await signed().setAudience('ferry').sign(secretKey);
    expect(refusal(await verifier.verify(noIssuer)).checked).toBe('jwt');
    const badClaim = await signed({ ferry: { allow: [{ actions: ['fly'], stations: ['*'] }] } })
      .setIssuer('shop')
      .setAudience('ferry')
      .sign(secretKey);
    expect(refusal(await verifier.verify(badClaim)).reason).toMatch(/ferry claim/);
  });

  it('[SEC-6] a token without the ferry claim authenticates with no permissions', async () => {
    const verifier = new JwtVerifier({ secret: SECRET }, 128);
    const bare = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('nobody')
      .setExpirationTime(nowS() + 60)
      .sign(secretKey);
    const outcome = await verifier.verify(bare);
    if ('refused' in outcome) throw new Error('refused');
    expect(outcome.principal.permissions.seesStation('anything')).toBe(false);
  });

  it('[SEC-6] ES256 with a public key file, RS256 from a JWKS file; HS256 signed with the public key is refused', async () => {
    const dir = tempDir();
    const ec = await generateKeyPair('ES256', { extractable: true });
    const pemFile = join(dir, 'ec.pem');
    writeFileSync(pemFile, await exportSPKI(ec.publicKey));
    const byPem = new JwtVerifier({ publicKeyFile: pemFile }, 128);
    const es = await new SignJWT({ ferry: produceOrders })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('svc')
      .setExpirationTime(nowS() + 60)
      .sign(ec.privateKey);
    expect('principal' in (await byPem.verify(es))).toBe(true);
    // The key-confusion attack: the public key's bytes used as an HMAC secret.
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('svc')
      .setExpirationTime(nowS() + 60)
      .sign(new TextEncoder().encode(await exportSPKI(ec.publicKey)));
    expect(refusal(await byPem.verify(confused)).checked).toBe('jwt');

    const rsa = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
    const byJwks = new JwtVerifier({ jwksFile }, 128);
    const rs = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('svc')
      .setExpirationTime(nowS() + 60)
      .sign(rsa.privateKey);
    expect('principal' in (await byJwks.verify(rs))).toBe(true);
    const unknownKid = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k2' })
      .setSubject('svc')
      .setExpirationTime(nowS() + 60)
      .sign(rsa.privateKey);
    expect(refusal(await byJwks.verify(unknownKid)).checked).toBe('jwt');
  });
});
