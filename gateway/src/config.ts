import path from 'node:path';
import { commonEnv, keyEncryptionKeyEnv, portEnv } from '@pos/kit';
import { z } from 'zod';
import { RATE_LIMIT_FAILURE_MODES, RATE_LIMIT_STORES } from './hardening/store';
import { TRUSTED_DOCUMENTS_MODES } from './trusted-documents';

const subgraphUrl = (port: number) => z.string().url().default(`http://127.0.0.1:${port}/graphql`);

export const gatewayEnvSchema = z
  .object({
    ...commonEnv,
    PORT: portEnv(4000),
    /** Where clients reach the gateway; used in the OpenAPI document and as the default token issuer. */
    PUBLIC_URL: z.string().url().optional(),
    /** `iss` of access tokens (default: PUBLIC_URL). Set it, with JWKS_URL, to accept a Cognito user pool's tokens. */
    JWT_ISSUER: z.string().min(1).optional(),
    /** Verify access tokens against this JWKS instead of the built-in issuer's keys. */
    JWKS_URL: z.string().url().optional(),
    /**
     * The portal's people sign in at an external issuer (with JWT_ISSUER and JWKS_URL: a Cognito user pool's hosted
     * UI) instead of the built-in one: its authorization endpoint, and PORTAL_TOKEN_URL its token endpoint. The
     * issuer must know the client PORTAL_CLIENT_ID with the redirect URI <PUBLIC_URL>/portal/callback, and its tokens
     * must carry the person's email (`email`, or `username`), which names a portal person here.
     */
    PORTAL_AUTHORIZE_URL: z.string().url().optional(),
    PORTAL_TOKEN_URL: z.string().url().optional(),
    PORTAL_CLIENT_ID: z.string().min(1).max(128).default('pos-portal'),
    /**
     * Further redirect URIs the built-in issuer accepts for the portal's client (comma-separated), besides its own
     * <PUBLIC_URL>/portal/callback: when it is the external issuer of another deployment's portal.
     */
    PORTAL_REDIRECT_URIS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((uri) => uri.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().url())),
    /** 32 random bytes, base64: encrypts the built-in issuer's private key at rest. */
    KEY_ENCRYPTION_KEY: keyEncryptionKeyEnv,
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
    /** How long a client's tenant and a user's roles are cached: a disabled client or user works this long at most. */
    AUTH_CACHE_TTL_SECONDS: z.coerce.number().min(0).max(3600).default(30),
    /**
     * Bytes a subscription client may leave unread before the gateway drops it: graphql-ws closes it with code 4008
     * (client too slow), multipart HTTP and SSE cut its response. It bounds what one client that stops reading can
     * cost. Default 1 MiB, about a thousand payment events.
     */
    WS_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .min(16 * 1024)
      .default(1024 * 1024),
    /**
     * How long the gateway keeps resuming an upstream subscription that dropped (a subgraph restart) before its
     * clients get an UNAVAILABLE error; each attempt resumes after the last event received, so nothing is lost.
     */
    SUBSCRIPTION_UPSTREAM_RETRY_SECONDS: z.coerce.number().min(0).max(3600).default(30),
    /**
     * How long a GraphQL over SSE single-connection reservation (PUT /graphql) waits for its event stream before it
     * is dropped with the operations started on it.
     */
    SSE_RESERVATION_TTL_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
    /**
     * Whether a read that is identical to one of the same caller already in flight (a whole query, or one subgraph
     * fetch) waits for that one's answer instead of being executed again: much cheaper for many clients polling one
     * view, at the price that such a read may be answered as the data stood when the first one began (docs/benchmarks.md,
     * "The price of sharing work in flight"). `off` executes every read on its own.
     */
    SHARE_READS_IN_FLIGHT: z
      .enum(['on', 'off'])
      .default('on')
      .transform((v) => v === 'on'),
    /**
     * Most reads of one caller to one subgraph sent as one batched HTTP request when they are issued together
     * (gateway/src/fetch/fetcher.ts); 1 sends each alone.
     */
    SUBGRAPH_MAX_BATCH: z.coerce.number().int().min(1).max(100).default(16),
    /**
     * Operations sent by hash (docs/graphql/typed-client.md): `allow` (the default in every mode) runs the trusted
     * documents of @pos/client's manifest by their hash and still accepts any document as text; `require` also
     * refuses text from first-party apps (POS user tokens, and M2M clients whose `free_documents` is off) while
     * partners keep sending their own; `off` ignores the manifest (a hash then runs only what its sender
     * registered, as automatic persisted queries).
     */
    TRUSTED_DOCUMENTS: z.enum(TRUSTED_DOCUMENTS_MODES).default('allow'),
    // Hardening (gateway/src/hardening; docs/api/limits.md). Every limit is on in every mode unless set to 0.
    /** Deepest field nesting a GraphQL operation may have. */
    MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
    /** Largest estimated cost of a GraphQL operation (each field 1, list fields times their rows). */
    MAX_QUERY_COST: z.coerce.number().int().min(1).default(20_000),
    /** Rows the cost assumes of a list field without a `first`/`limit` argument. */
    QUERY_COST_LIST_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
    /** Largest JSON body of /graphql and the REST routes; a larger one is a 413. */
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /** Requests a second per caller (client, user, API key; by IP when anonymous); 0 turns it off. */
    RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(100),
    /** Requests a caller may send at once (default: twice the rate). */
    RATE_LIMIT_BURST: z.coerce.number().min(1).optional(),
    /** Token requests a second per IP address (each checks a client secret with scrypt); 0 turns it off. */
    TOKEN_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(5),
    /** Token requests an IP address may send at once (default: ten times the rate, at least 1). */
    TOKEN_RATE_LIMIT_BURST: z.coerce.number().min(1).optional(),
    /** Cost points a caller's bucket holds: what it may spend at once; at least MAX_QUERY_COST, or some never run. */
    COST_LIMIT_MAXIMUM: z.coerce.number().int().min(1).default(20_000),
    /** Cost points a second a caller's bucket refills; 0 turns cost limits off. */
    COST_LIMIT_RESTORE_PER_SECOND: z.coerce.number().min(0).default(2_000),
    /**
     * Wrong X-Api-Key values one client address may send within API_KEY_FAILURE_WINDOW_SECONDS; past them its keys
     * are refused unchecked (429) until the oldest leaves the window. A person types their key on the loyalty page,
     * so guessing must be bounded. 0 turns it off.
     */
    API_KEY_FAILURES_PER_ADDRESS: z.coerce.number().int().min(0).default(20),
    API_KEY_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /**
     * Where the rate limits, cost budgets and wrong-key counts are kept (hardening/store.ts): `memory`, each replica
     * its own (N replicas allow N times a limit), or `redis`, one state shared by every replica (REDIS_URL).
     */
    RATE_LIMIT_STORE: z.enum(RATE_LIMIT_STORES).default('memory'),
    /** The Redis of RATE_LIMIT_STORE=redis: redis://[:password@]host:port[/db], or rediss:// for TLS. */
    REDIS_URL: z
      .string()
      .url()
      .refine((url) => /^rediss?:$/.test(new URL(url).protocol), 'must be a redis:// or rediss:// URL')
      .optional(),
    /**
     * What the limits decide while that Redis cannot be reached: `open` lets each replica decide with its own memory
     * (the limits of RATE_LIMIT_STORE=memory), `closed` refuses limited requests with 503.
     */
    RATE_LIMIT_REDIS_FAILURE: z.enum(RATE_LIMIT_FAILURE_MODES).default('open'),
    /**
     * Express's `trust proxy`: which proxies' X-Forwarded-For to believe for the client address that anonymous rate
     * limits key on. Unset: none (the peer address). A hop count (`1` behind one load balancer) or addresses/subnets;
     * `true` believes any client's header, so anyone could pick the address they are limited as.
     */
    TRUST_PROXY: z
      .string()
      .optional()
      .transform((value): boolean | number | string =>
        value === undefined || value === '' || value === 'false'
          ? false
          : value === 'true'
            ? true
            : /^\d+$/.test(value)
              ? Number(value)
              : value,
      ),
    SUPERGRAPH_PATH: z.string().default(path.resolve(__dirname, '../../schema/supergraph.graphql')),
    ORDERS_URL: subgraphUrl(4001),
    CHECKS_URL: subgraphUrl(4002),
    PAYMENTS_URL: subgraphUrl(4003),
    LOYALTY_URL: subgraphUrl(4004),
  })
  .refine(
    (config) => config.COST_LIMIT_RESTORE_PER_SECOND === 0 || config.COST_LIMIT_MAXIMUM >= config.MAX_QUERY_COST,
    {
      path: ['COST_LIMIT_MAXIMUM'],
      message: 'must be at least MAX_QUERY_COST: an operation the bucket can never pay for would never run',
    },
  )
  .refine((config) => config.RATE_LIMIT_STORE !== 'redis' || config.REDIS_URL !== undefined, {
    path: ['REDIS_URL'],
    message: 'is required with RATE_LIMIT_STORE=redis',
  })
  .refine(
    (config) =>
      !(config.PORTAL_AUTHORIZE_URL || config.PORTAL_TOKEN_URL) ||
      (config.PORTAL_AUTHORIZE_URL && config.PORTAL_TOKEN_URL && config.JWT_ISSUER && config.JWKS_URL),
    {
      path: ['PORTAL_AUTHORIZE_URL'],
      message:
        'an external sign-in needs PORTAL_AUTHORIZE_URL, PORTAL_TOKEN_URL, and the issuer to verify its tokens ' +
        '(JWT_ISSUER and JWKS_URL)',
    },
  );

export type GatewayConfig = z.infer<typeof gatewayEnvSchema>;

export const subgraphUrls = (config: GatewayConfig): Record<string, string> => ({
  orders: config.ORDERS_URL,
  checks: config.CHECKS_URL,
  payments: config.PAYMENTS_URL,
  loyalty: config.LOYALTY_URL,
});
