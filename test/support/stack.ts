import { randomBytes } from 'node:crypto';
import { startGateway, type StartedGateway } from '@pos/gateway';
import { gatewayEnvSchema } from '@pos/gateway/src/config';
import { PosUser, normalizeEmail } from '@pos/gateway/src/identity/identity.entities';
import {
  type Logger,
  type StartedSubgraph,
  createLogger,
  freePort,
  parseConfig,
  startSubgraph,
  subgraphEnvSchema,
} from '@pos/kit';
import { TEST_ENV, createTestDatabase, postGraphQL } from '@pos/kit/src/testing';
import { subgraphDefinitions } from '../../scripts/services';

export const TEST_ISSUER = 'http://pos-test-issuer.local';

/** A GraphQL answer without its extensions.cost, which tells each request what it itself spent. */
export function withoutCost<T extends { extensions?: Record<string, unknown> }>(body: T): T {
  if (!body.extensions?.cost) return body;
  const { cost: _cost, ...extensions } = body.extensions;
  return { ...body, extensions: Object.keys(extensions).length ? extensions : undefined };
}

export interface Stack {
  databaseUrl: string;
  /** The key that encrypts the issuer's private key, so tests can load the real signing key. */
  keyEncryptionKey: Buffer;
  gateway: StartedGateway;
  gatewayUrl: string;
  /** http://127.0.0.1:<port>, the gateway's origin, for REST calls. */
  origin: string;
  subgraphs: Record<string, StartedSubgraph<unknown>>;
  token(clientId?: string, secret?: string, scope?: string): Promise<string>;
  /** An access token of the seeded POS user with this email, minted by the gateway's own issuer. */
  userToken(email: string): Promise<string>;
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
    headers?: Record<string, string>,
  ): ReturnType<typeof postGraphQL>;
  close(): Promise<void>;
}

export interface StackOptions {
  loggers?: Partial<Record<string, Logger>>;
  /** Extra gateway settings, e.g. a short AUTH_CACHE_TTL_SECONDS to see a deactivation take effect. */
  gatewayEnv?: Record<string, string>;
  /** Extra settings of every subgraph, e.g. short webhook retry delays. */
  subgraphEnv?: Record<string, string>;
  /**
   * How the gateway reaches the stack's database, from its URL: e.g. through a proxy the test can cut, to take the
   * database away from the gateway alone.
   */
  gatewayDatabaseUrl?(databaseUrl: string): string;
}

/**
 * The whole system on a fresh database: the four subgraphs and the gateway on port 0, migrated and seeded with
 * the demo data, exactly as the launcher starts them (but in one process).
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const databaseUrl = await createTestDatabase();
  const env: Record<string, string> = { ...TEST_ENV, DATABASE_URL: databaseUrl, ...options.subgraphEnv };
  const keyEncryptionKey = randomBytes(32);
  const subgraphs: Record<string, StartedSubgraph<unknown>> = {};
  // Orders reads payments (the payment that completes a hosted checkout) and payments reads orders: payments' port
  // is chosen first, so that orders, started before it, knows where it will be.
  const paymentsPort = await freePort();
  env.PAYMENTS_URL = `http://127.0.0.1:${paymentsPort}/graphql`;
  try {
    for (const definition of subgraphDefinitions) {
      const port = definition.name === 'payments' ? { PORT: String(paymentsPort) } : {};
      const config = parseConfig(subgraphEnvSchema(0, definition.env), { ...env, ...port });
      subgraphs[definition.name] = (await startSubgraph(
        definition,
        config,
        options.loggers?.[definition.name] ?? createLogger(definition.name, 'warn'),
      )) as StartedSubgraph<unknown>;
      // Later subgraphs read entities of earlier ones through the graph (payments reads orders and checks).
      env[`${definition.name.toUpperCase()}_URL`] = subgraphs[definition.name].url;
    }
    const gateway = await startGateway(
      parseConfig(gatewayEnvSchema, {
        ...env,
        JWT_ISSUER: TEST_ISSUER,
        KEY_ENCRYPTION_KEY: keyEncryptionKey.toString('base64'),
        ORDERS_URL: subgraphs.orders.url,
        CHECKS_URL: subgraphs.checks.url,
        PAYMENTS_URL: subgraphs.payments.url,
        LOYALTY_URL: subgraphs.loyalty.url,
        ...(options.gatewayDatabaseUrl ? { DATABASE_URL: options.gatewayDatabaseUrl(databaseUrl) } : {}),
        ...options.gatewayEnv,
      }),
      options.loggers?.gateway ?? createLogger('gateway', 'warn'),
    );
    const origin = `http://127.0.0.1:${gateway.port}`;
    const token = async (clientId = 'demo-partner', secret = 'demo-secret', scope?: string) => {
      const response = await fetch(`${origin}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || !body.access_token)
        throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
      return body.access_token;
    };
    const userToken = async (email: string) => {
      const users = await gateway.orm.em.fork().find(PosUser, { email: normalizeEmail(email) });
      // Emails are unique per partner only; the seeded ones are unique overall, and a test should not guess.
      if (users.length !== 1) throw new Error(`expected one POS user ${email}, found ${users.length}`);
      return (await gateway.issueUserToken(users[0].id)).accessToken;
    };
    return {
      databaseUrl,
      keyEncryptionKey,
      gateway,
      gatewayUrl: gateway.url,
      origin,
      subgraphs,
      token,
      userToken,
      graphql: async (query, variables = {}, bearer, headers = {}) =>
        postGraphQL(gateway.url, query, variables, {
          ...(bearer === null ? {} : { authorization: `Bearer ${bearer ?? (await token())}` }),
          ...headers,
        }),
      close: async () => {
        await gateway.close();
        for (const subgraph of Object.values(subgraphs).reverse()) await subgraph.close();
      },
    };
  } catch (error) {
    for (const subgraph of Object.values(subgraphs)) await subgraph.close().catch(() => undefined);
    throw error;
  }
}
