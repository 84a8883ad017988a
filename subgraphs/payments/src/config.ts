import { keyEncryptionKeyEnv } from '@pos/kit';
import { z } from 'zod';

/** Settings of the payments subgraph beyond the common ones (README, configuration table). */
export const paymentsEnv = {
  /** The orders subgraph, read through the graph for the order being paid. */
  ORDERS_URL: z.string().url().default('http://127.0.0.1:4001/graphql'),
  /** The checks subgraph, read through the graph for the check being paid. */
  CHECKS_URL: z.string().url().default('http://127.0.0.1:4002/graphql'),
  /** Valor's API base URL. Unset: the built-in deterministic sandbox (README, "Valor sandbox"). */
  VALOR_API_URL: z.preprocess((value) => (value === '' ? undefined : value), z.string().url().optional()),
  VALOR_API_KEY: z.string().default(''),
  VALOR_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** 32 random bytes, base64: the master key the card tokens' sealing key is derived from. */
  KEY_ENCRYPTION_KEY: keyEncryptionKeyEnv,
};
