import { keyEncryptionKeyEnv } from '@pos/kit';
import { z } from 'zod';

/** Settings of the payments subgraph beyond the common ones (docs/operations.md, Configuration). */
export const paymentsEnv = {
  /** The orders subgraph, read through the graph for the order being paid. */
  ORDERS_URL: z.string().url().default('http://127.0.0.1:4001/graphql'),
  /** The checks subgraph, read through the graph for the check being paid. */
  CHECKS_URL: z.string().url().default('http://127.0.0.1:4002/graphql'),
  /** Valor's API base URL. Unset: the built-in deterministic sandbox (docs/partner-api.md, "Valor, the processor"). */
  VALOR_API_URL: z.preprocess((value) => (value === '' ? undefined : value), z.string().url().optional()),
  VALOR_API_KEY: z.string().default(''),
  VALOR_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** 32 random bytes, base64: the master key the card tokens' sealing key is derived from. */
  KEY_ENCRYPTION_KEY: keyEncryptionKeyEnv,
  /**
   * How often payment event subscriptions read the outbox without being told (a notification after each commit tells
   * them at once; this bounds the delay when one is lost).
   */
  EVENTS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /**
   * Where payment event subscriptions take live events from: `postgres` (the default: each replica LISTENs and reads
   * the outbox) or `nats` (a relay publishes the outbox to NATS JetStream, each replica consumes it; docs/operations.md).
   */
  EVENTS_BROKER: z.enum(['postgres', 'nats']).default('postgres'),
  /** The NATS server (with JetStream) when EVENTS_BROKER=nats. */
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Servers of the NATS cluster the event stream is kept on when it is first created (3 on a three-server cluster). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Deliver webhooks from this process (every replica may; deliveries are claimed with SKIP LOCKED). */
  WEBHOOK_WORKER: z
    .enum(['on', 'off'])
    .default('on')
    .transform((v) => v === 'on'),
  /** Webhook attempts in flight at once, per process. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** How often the worker looks for due deliveries. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** A receiver must answer within this; a slower one counts as a failed attempt. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** The first retry's delay (then ×4 each time, with jitter): 30 s, 2 min, 8 min, 32 min by default. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  /**
   * Whether endpoint URLs may point at loopback or private addresses (a local receiver). Unset: allowed except
   * when NODE_ENV=production, where they are refused (SSRF).
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: z.enum(['true', 'false']).optional(),
};
