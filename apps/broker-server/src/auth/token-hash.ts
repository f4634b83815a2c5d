/**
 * Named tokens are kept as SHA-256 hashes: a token is 32 random bytes, far beyond guessing, so a
 * fast hash hides it as well as scrypt would, and checking one costs no thread-pool time.
 */
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'sha256:';

export function isTokenHash(text: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(text);
}

export function hashToken(token: string): string {
  return PREFIX + createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}
