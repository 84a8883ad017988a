/**
 * What the direct clients (of the federated query and of the peer part's wide read) share: a Pool per subgraph,
 * sending subgraph operations with the signed context a gateway would add, as a client without a gateway would
 * have to.
 */
import { INTERNAL_CONTEXT_HEADER } from '@pos/kit';
import { Pool } from 'undici';
import type { GraphQLResponse } from './http';

export class SubgraphPools {
  private readonly pools: Record<string, Pool>;

  /** `services`: subgraph names, whose URLs are `urls[<NAME>_URL]`. */
  constructor(
    urls: Record<string, string>,
    services: string[],
    private readonly contextToken: string,
    connections: number,
  ) {
    this.pools = Object.fromEntries(
      services.map((service) => [
        service,
        new Pool(new URL(urls[`${service.toUpperCase()}_URL`]).origin, { connections, keepAliveTimeout: 60_000 }),
      ]),
    );
  }

  /** Sends a GraphQL request body to the subgraph's /graphql; its data, or an error unless 2xx without errors. */
  async post<T>(service: string, body: string): Promise<T> {
    const response = await this.pools[service].request({
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: this.contextToken },
      body,
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`${service} answered HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    }
    const json = JSON.parse(text) as GraphQLResponse<T>;
    if (json.errors?.length || !json.data) {
      throw new Error(`${service} answered with errors: ${JSON.stringify(json.errors).slice(0, 300)}`);
    }
    return json.data;
  }

  async destroy(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((pool) => pool.destroy().catch(() => undefined)));
  }
}
