import { keyEncryptionKeyEnv } from '@pos/kit';
import { z } from 'zod';

/** Settings of the loyalty subgraph beyond the common ones (docs/operations.md, Configuration). */
export const loyaltyEnv = {
  /** 32 random bytes, base64: the master key that PIN hashes, sealed PINs and coupon QR tokens derive theirs from. */
  KEY_ENCRYPTION_KEY: keyEncryptionKeyEnv,
  /**
   * A customer's PINs are locked once this many challenges' worth of wrong PINs (3 each) fall within the window:
   * 3 by default, 9 wrong PINs.
   */
  LOYALTY_PIN_LOCK_CHALLENGES: z.coerce.number().int().min(1).max(100).default(3),
  /** The sliding window those wrong PINs are counted in, and so the longest a lock lasts: an hour by default. */
  LOYALTY_PIN_LOCK_WINDOW_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
};
