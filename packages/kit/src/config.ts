import { z } from 'zod';

/**
 * Parses environment variables once, at start-up, against a zod schema. A bad or missing value stops the process
 * with every problem listed, rather than failing later on the first request that needs it.
 */
export function parseConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return result.data;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Settings every service reads: the subgraphs and the gateway share these names (docs/operations.md, Configuration). */
export const commonEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.string().url(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** HMAC key the gateway signs the internal context with and the subgraphs verify it with (at least 32 chars). */
  INTERNAL_JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** Apply this service's committed migrations at start (under an advisory lock, so replicas may race safely). */
  MIGRATE_ON_START: bool.default(true),
  /** Seed demo data into an empty schema at start. Defaults to on, except when NODE_ENV=production. */
  SEED_DEMO: bool.optional(),
  HOST: z.string().default('0.0.0.0'),
};

export const portEnv = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
