import { INTERNAL_CONTEXT_HEADER, REQUEST_ID_HEADER, principalScopeKey } from '@pos/kit';
import type { GraphQLFormattedError } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type GatewayContext, internalContextFor } from '../../context';
import type { ResumableUpstream } from '../resumable';

/**
 * The gateway's connections to the subgraphs that own subscription fields, on behalf of a caller: graphql-ws
 * connections shared by a caller scope's upstream streams, and the HTTP question that anchors a resumable stream.
 * Both carry the caller's signed internal context, as every subgraph fetch does.
 */
export class UpstreamConnections {
  private readonly clients = new Map<string, { client: Client; users: number }>();

  constructor(
    private readonly subgraphUrls: Record<string, string>,
    private readonly internalSecret: string,
  ) {}

  /** graphql-ws connections to subgraphs: one per subgraph and caller scope with an open upstream stream. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * One graphql-ws connection per subgraph and caller scope, shared by that scope's upstream streams and closed
   * with the last of them. It never retries on its own: a retry would send the original subscription again,
   * from its original start; SharedUpstream resumes instead, after its last cursor.
   */
  client(serviceName: string, context: GatewayContext): { client: Client; release: () => void } {
    const principal = context.principal!;
    const key = `${serviceName}|${principalScopeKey(principal)}`;
    let entry = this.clients.get(key);
    if (!entry) {
      const url = this.subgraphUrls[serviceName].replace(/^http/, 'ws');
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        lazy: true,
        lazyCloseTimeout: 1_000,
        retryAttempts: 0,
        connectionParams: async () => ({
          [INTERNAL_CONTEXT_HEADER]: await internalContextFor(this.internalSecret, principal),
          [REQUEST_ID_HEADER]: context.requestId,
        }),
      });
      entry = { client, users: 0 };
      this.clients.set(key, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    return {
      client: held.client,
      release: () => {
        if (released) return;
        released = true;
        if (--held.users > 0 || this.clients.get(key) !== held) return;
        this.clients.delete(key);
        void held.client.dispose();
      },
    };
  }

  /** The cursor of the caller's newest event, asked of the subgraph that owns the field (resumable.ts). */
  async headCursor(serviceName: string, resumable: ResumableUpstream, context: GatewayContext): Promise<string> {
    const field = resumable.field.headQuery;
    const response = await fetch(this.subgraphUrls[serviceName], {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [INTERNAL_CONTEXT_HEADER]: await internalContextFor(this.internalSecret, context.principal!),
        [REQUEST_ID_HEADER]: context.requestId,
      },
      body: JSON.stringify({ query: `{ ${field} }` }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] };
    const cursor = body.data?.[field];
    if (typeof cursor === 'string') return cursor;
    // The subgraph's own refusal (FORBIDDEN for a caller without the read scope) ends the subscription as a refused
    // subscribe would (SharedUpstream.failed); only an answer without one is retried like a dropped connection.
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- graphql-ws rejects a subscribe with this shape
    if (body.errors?.length) throw body.errors;
    throw new Error(`${serviceName} answered ${response.status} without ${field}`);
  }

  /** Closes every connection (the gateway is stopping; the streams on them were stopped first). */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map(async ({ client }) => client.dispose()));
    this.clients.clear();
  }
}
