import type { EntityManager } from '@mikro-orm/postgresql';
import { type JWK, type KeyLike, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import { decrypt, encrypt } from '@pos/kit';
import { SigningKey } from '../identity/identity.entities';

export const SIGNING_ALGORITHM = 'RS256';

export interface ActiveKey {
  kid: string;
  privateKey: KeyLike | Uint8Array;
}

/**
 * The built-in issuer's RS256 keys. The first start generates a key pair and stores it in the identity schema
 * (private half encrypted), so every gateway replica and every restart signs and verifies with the same keys.
 */
export class KeyStore {
  private constructor(
    readonly active: ActiveKey,
    readonly publicJwks: { keys: JWK[] },
  ) {}

  static async load(em: EntityManager, encryptionKey: Buffer): Promise<KeyStore> {
    let rows = await em.find(SigningKey, {}, { orderBy: { createdAt: 'desc' } });
    if (!rows.length) {
      await em.transactional(async (tx) => {
        // Replicas starting together must agree on one key: whoever takes the lock first creates it.
        await tx.execute(`select pg_advisory_xact_lock(hashtext('identity.signing_key'))`);
        if ((await tx.count(SigningKey, {})) > 0) return;
        const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, {
          modulusLength: 2048,
          extractable: true,
        });
        const publicJwk = await exportJWK(publicKey);
        const kid = await calculateJwkThumbprint(publicJwk);
        const row = new SigningKey();
        Object.assign(row, {
          kid,
          publicJwk: { ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' },
          privateJwkEncrypted: encrypt(JSON.stringify(await exportJWK(privateKey)), encryptionKey),
        });
        tx.persist(row);
      });
      rows = await em.fork().find(SigningKey, {}, { orderBy: { createdAt: 'desc' } });
    }
    const newest = rows[0];
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(decrypt(newest.privateJwkEncrypted, encryptionKey)) as JWK;
    } catch {
      throw new Error('Cannot decrypt the signing key: KEY_ENCRYPTION_KEY differs from the one that stored it');
    }
    const privateKey = await importJWK(privateJwk, SIGNING_ALGORITHM);
    return new KeyStore({ kid: newest.kid, privateKey }, { keys: rows.map((r) => r.publicJwk as unknown as JWK) });
  }
}
