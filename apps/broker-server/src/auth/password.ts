/**
 * Password hashes for `auth.users`: scrypt from node:crypto, stored as
 * `scrypt$N$r$p$saltB64$hashB64` so the cost can be raised later without
 * invalidating existing hashes.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

const COST = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** scrypt needs 128·N·r bytes; a hash asking for more than this is refused rather than exhausting memory. */
const MAX_MEMORY = 256 * 1024 * 1024;

interface ParsedHash {
  cost: { N: number; r: number; p: number };
  salt: Buffer;
  key: Buffer;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join(
    '$',
  );
}

/** False for a wrong password and for a malformed hash (config loading rejects those up front). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parsePasswordHash(hash);
  if (parsed === undefined) return false;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed.cost);
  return timingSafeEqual(key, parsed.key);
}

/**
 * A hash no password matches, at the cost of `like` (or of new hashes): checking an unknown
 * user's password against it costs what checking a known user's does. [SEC-3]
 */
export function unmatchableHash(like?: string): string {
  const parsed = like === undefined ? undefined : parsePasswordHash(like);
  const { N, r, p } = parsed?.cost ?? COST;
  const salt = randomBytes(SALT_BYTES).toString('base64');
  const key = randomBytes(parsed?.key.length ?? KEY_BYTES).toString('base64');
  return ['scrypt', N, r, p, salt, key].join('$');
}

export function isPasswordHash(hash: string): boolean {
  return parsePasswordHash(hash) !== undefined;
}

function parsePasswordHash(hash: string): ParsedHash | undefined {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts
    .slice(1, 4)
    .map((part) => (/^[1-9]\d{0,9}$/.test(part) ? Number(part) : 0));
  const salt = base64(parts[4] ?? '');
  const key = base64(parts[5] ?? '');
  if (
    N === undefined ||
    r === undefined ||
    p === undefined ||
    salt === undefined ||
    key === undefined
  ) {
    return undefined;
  }
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || r === 0 || p === 0 || 128 * N * r > MAX_MEMORY || key.length < 16) {
    return undefined;
  }
  return { cost: { N, r, p }, salt, key };
}

/** Strict base64: Buffer.from silently skips bad characters, so require an exact round trip. */
function base64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : undefined;
}

function derive(
  password: string,
  salt: Buffer,
  length: number,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 2 * 128 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
