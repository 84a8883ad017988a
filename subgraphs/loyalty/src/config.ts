import { keyEncryptionKeyEnv } from '@pos/kit';

/** Settings of the loyalty subgraph beyond the common ones (README, configuration table). */
export const loyaltyEnv = {
  /** 32 random bytes, base64: the master key that PIN hashes, sealed PINs and coupon QR tokens derive theirs from. */
  KEY_ENCRYPTION_KEY: keyEncryptionKeyEnv,
};
