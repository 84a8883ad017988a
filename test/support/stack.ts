import { randomBytes } from 'node:crypto';
import { startGateway, type StartedGateway } from '@pos/gateway';
import { gatewayEnvSchema } from '@pos/gateway/src/config';
import {
  type Logger,
  type StartedSubgraph,
  createLogger,
  parseConfig,
  startSubgraph,
  subgraphEnvSchema,
} from '@pos/kit';
import { TEST_ENV, createTestDatabase, postGraphQL } from '@pos/kit/src/testing';
import { subgraphDefinitions } from '../../scripts/services';

export const TEST_ISSUER = 'http://pos-test-issuer.local';

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
}

/**
 * The whole system on a fresh database: the four subgraphs and the gateway on port 0, migrated and seeded with
 * the demo data, exactly as the launcher starts them (but in one process).
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const databaseUrl = await createTestDatabase();
  const env: Record<string, string> = { ...TEST_ENV, DATABASE_URL: databaseUrl };
  const keyEncryptionKey = randomBytes(32);
  const subgraphs: Record<string, StartedSubgraph<unknown>> = {};
  try {
    for (const definition of subgraphDefinitions) {
      const config = parseConfig(subgraphEnvSchema(0), env);
      subgraphs[definition.name] = (await startSubgraph(
        definition,
        config,
        options.loggers?.[definition.name] ?? createLogger(definition.name, 'warn'),
      )) as StartedSubgraph<unknown>;
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
    return {
      databaseUrl,
      keyEncryptionKey,
      gateway,
      gatewayUrl: gateway.url,
      origin,
      subgraphs,
      token,
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
