import { z } from 'zod';

export const noQuery = z.object({}).strict();

export const integerId = (what: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,15}$/, `${what} must be a positive integer`)
    .describe(`${what} (a positive integer)`);

export const uuidId = (what: string) =>
  z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i, `${what} must be a UUID`)
    .describe(`${what} (a UUID)`);

/** Integer minor units; the services check the ranges, this only refuses what is not a whole number. */
export const cents = (description: string) => z.number().int().describe(`${description}, in minor units (cents)`);
export const timestamp = () => z.string().describe('ISO 8601 timestamp');
export const nullableText = (description: string) => z.string().nullable().optional().describe(description);

export const IDEMPOTENCY = `Send an \`Idempotency-Key\` header (1–255 visible ASCII characters, e.g. a V4 UUID) to make
retries safe: the same key with the same body answers with the first response and \`Idempotent-Replayed: true\`; the
same key with another body is a 422 (\`idempotency_key_reused\`); while the first request runs, a 409
(\`idempotency_key_in_use\`). Keys are kept 24 hours. A request that fails releases its key.`;
