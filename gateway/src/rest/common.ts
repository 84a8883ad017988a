import { INT_ID_PATTERN, UUID_PATTERN } from '@pos/kit';
import { z } from 'zod';

export const noQuery = z.object({}).strict();

// The kit's id patterns, so a path id is checked as the subgraphs check it (and OpenAPI shows the pattern).
export const integerId = (what: string) =>
  z.string().regex(INT_ID_PATTERN, `${what} must be a positive integer`).describe(`${what} (a positive integer)`);

export const uuidId = (what: string) =>
  z.string().regex(UUID_PATTERN, `${what} must be a UUID`).describe(`${what} (a UUID)`);

/** Integer minor units; the services check the ranges, this only refuses what is not a whole number. */
export const cents = (description: string) => z.number().int().describe(`${description}, in minor units (cents)`);
export const timestamp = () => z.string().describe('ISO 8601 timestamp');
export const nullableText = (description: string) => z.string().nullable().optional().describe(description);

export const IDEMPOTENCY = `Send an \`Idempotency-Key\` header (1–255 visible ASCII characters, e.g. a V4 UUID) to make
retries safe: the same key with the same body answers with the first response and \`Idempotent-Replayed: true\`; the
same key with another body is a 422 (\`idempotency_key_reused\`); while the first request runs, a 409
(\`idempotency_key_in_use\`). Keys are kept 24 hours. A request that fails releases its key.`;
