import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Encryption of secrets at rest (a signing key, a card's processor token, a webhook secret). One configured master
 * key, KEY_ENCRYPTION_KEY; each use derives its own key from it with HKDF, so a value sealed for one purpose cannot
 * be opened as another's, and no two services share a working key. (The gateway's signing key, the first such
 * secret, is sealed with the master key itself, as it has been since its first release.)
 */

/** KEY_ENCRYPTION_KEY: 32 random bytes, base64. */
export const keyEncryptionKeyEnv = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
  .transform((v) => Buffer.from(v, 'base64'));

/** The key for one purpose (e.g. 'payments/card-token'), derived from the master key. */
export const purposeKey = (masterKey: Buffer, purpose: string): Buffer =>
  Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `pos-federation/${purpose}`, 32));

/** AES-256-GCM with a random IV; the output is "v1.<iv>.<tag>.<ciphertext>" in base64url. */
export function encrypt(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decrypt(sealed: string, key: Buffer): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unrecognised encrypted value');
  // The tag length is pinned: GCM would otherwise accept a truncated tag, and with it a forgery of 4 bytes' strength.
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
