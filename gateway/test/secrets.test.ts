import { randomBytes } from 'node:crypto';
import { decrypt, encrypt } from '@pos/kit';
import { hashSecret, verifySecret } from '../src/auth/secrets';

describe('client secret hashing', () => {
  const secret = 'demo-secret-Ω-0123456789';
  let stored: string;
  beforeAll(async () => {
    stored = await hashSecret(secret);
  });

  it('verifies the secret it hashed', async () => {
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifySecret(secret, stored)).toBe(true);
  });

  it('refuses a wrong secret', async () => {
    expect(await verifySecret('demo-secret-Ω-0123456788', stored)).toBe(false);
    expect(await verifySecret('', stored)).toBe(false);
    expect(await verifySecret(`${secret} `, stored)).toBe(false);
  });

  it('never stores the secret, in clear or in base64', async () => {
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
    expect(stored).not.toContain(Buffer.from(secret).toString('hex'));
  });

  it('salts every hash', async () => {
    const again = await hashSecret(secret);
    expect(again).not.toBe(stored);
    expect(await verifySecret(secret, again)).toBe(true);
  });

  it('refuses damaged stored values instead of matching everything or throwing', async () => {
    const salt = Buffer.from('salt-salt-salt!!').toString('base64');
    expect(await verifySecret('anything', `scrypt$16384$8$1$${salt}$=`)).toBe(false);
    expect(await verifySecret('anything', `scrypt$16384$8$1$${salt}$`)).toBe(false);
    expect(await verifySecret('anything', `scrypt$lots$8$1$${salt}$${Buffer.alloc(32).toString('base64')}`)).toBe(
      false,
    );
  });

  it('refuses a stored value of another scheme', async () => {
    expect(await verifySecret(secret, stored.replace(/^scrypt/, 'bcrypt'))).toBe(false);
    expect(await verifySecret(secret, secret)).toBe(false);
    expect(await verifySecret(secret, '')).toBe(false);
  });
});

describe('encryption at rest', () => {
  const key = randomBytes(32);
  const plaintext = '{"kty":"RSA","d":"private-key-material"}';

  it('round-trips a value', () => {
    const sealed = encrypt(plaintext, key);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('private-key-material');
    expect(decrypt(sealed, key)).toBe(plaintext);
    expect(decrypt(encrypt('', key), key)).toBe('');
  });

  it('uses a fresh IV every time', () => {
    expect(encrypt(plaintext, key)).not.toBe(encrypt(plaintext, key));
  });

  it('throws on a tampered ciphertext', () => {
    const [version, iv, tag, data] = encrypt(plaintext, key).split('.');
    const bytes = Buffer.from(data, 'base64url');
    bytes[0] ^= 1;
    expect(() => decrypt([version, iv, tag, bytes.toString('base64url')].join('.'), key)).toThrow();
  });

  it('throws on a tampered tag or IV', () => {
    const [version, iv, tag, data] = encrypt(plaintext, key).split('.');
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[bytes.length - 1] ^= 1;
      return bytes.toString('base64url');
    };
    expect(() => decrypt([version, iv, flip(tag), data].join('.'), key)).toThrow();
    expect(() => decrypt([version, flip(iv), tag, data].join('.'), key)).toThrow();
  });

  it('throws on a truncated tag, which GCM would otherwise accept', () => {
    const [version, iv, tag, data] = encrypt(plaintext, key).split('.');
    for (const length of [12, 8, 4]) {
      const short = Buffer.from(tag, 'base64url').subarray(0, length).toString('base64url');
      expect(() => decrypt([version, iv, short, data].join('.'), key)).toThrow();
    }
  });

  it('throws with a wrong key', () => {
    expect(() => decrypt(encrypt(plaintext, key), randomBytes(32))).toThrow();
  });

  it('throws on a value it did not produce', () => {
    expect(() => decrypt('not encrypted', key)).toThrow('unrecognised encrypted value');
    expect(() => decrypt(encrypt(plaintext, key).replace(/^v1/, 'v2'), key)).toThrow('unrecognised encrypted value');
  });
});
