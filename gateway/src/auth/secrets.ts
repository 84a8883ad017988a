import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const N = 16384;
const R = 8;
const P = 1;

/** Hashes a client secret with scrypt and a random salt. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, 32, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time check of a secret against {@link hashSecret}'s output. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash ?? '', 'base64');
  const params = [Number(n), Number(r), Number(p)];
  // A stored value of any other shape (a damaged row) matches nothing; an empty hash must not match everything.
  if (scheme !== 'scrypt' || !salt || expected.length !== 32 || !params.every(Number.isSafeInteger)) return false;
  try {
    const actual = await scryptAsync(secret, Buffer.from(salt, 'base64'), expected.length, {
      N: params[0],
      r: params[1],
      p: params[2],
      maxmem: 64 * 1024 * 1024,
    });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}

/** Constant-time equality of two strings a browser sent back (CSRF tokens, OAuth state): no early exit to time. */
export const sameSecret = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * A scrypt hash (in {@link hashSecret}'s form) of a random string nobody knows: verified against when the client or
 * person asked for does not exist, so the answer takes as long as for one that does and timing does not tell which.
 */
export const DECOY_SECRET_HASH =
  'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$0WJdyQ3dS3Jc0F4y9Qy4a0l7bKcG1zZq1m3qj0y9Z2s=';

/**
 * The stored form of a random bearer secret (an API key, a launch token, a refresh token): its SHA-256, hex. A fast
 * hash is enough for 128+ bits of randomness (see ApiKey), and it lets the row be found by the hash.
 */
export const hashBearerSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
