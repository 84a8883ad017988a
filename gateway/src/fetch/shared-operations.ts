import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { principalScopeKey } from '@pos/kit';
import type { FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from '../context';

interface InFlight {
  /** The first request's result as JSON, or null when it is not to be shared (an error status, @defer). */
  result: Promise<string | null>;
  /** Requests waiting for it: without any, the result is not serialised at all. */
  followers: number;
}

/** Longer than any execution should take (subgraph fetches time out at 30 s). */
const LEADER_TIMEOUT_MS = 60_000;

/**
 * Identical queries in flight at once answered by one execution: a request that arrives while the same query (same
 * text, operation name and variables) of the same caller scope is being executed waits for that execution and
 * gets a copy of its result, instead of planning, fetching from the subgraphs and shaping the same answer again (a
 * dashboard's many identical polls). Queries only, never a mutation; nothing is kept once the first request is
 * answered, so this is no cache. The price is the same as for shared subgraph fetches: a request may be answered by
 * an execution that began up to one request's time before it arrived. Each request still passes the HTTP layer,
 * authentication, parsing, validation and the limits as its own, and is counted and logged as its own; only the
 * first one's subgraph fetches carry a request id.
 */
export function sharedOperations(): ApolloServerPlugin<GatewayContext> & { stats: { joined: number } } {
  const inFlight = new Map<string, InFlight>();
  const stats = { joined: 0 };
  return {
    stats,
    async requestDidStart(): Promise<GraphQLRequestListener<GatewayContext>> {
      let leading: { release: (result: string | null) => void; entry: InFlight } | null = null;
      return {
        async responseForOperation(requestContext) {
          const principal = requestContext.contextValue.principal;
          if (requestContext.operation?.operation !== 'query' || !principal) return null;
          const { request, queryHash, operationName } = requestContext;
          const variables = request.variables ? JSON.stringify(request.variables) : '';
          const key = `${principalScopeKey(principal)}\u0000${queryHash}\u0000${operationName ?? ''}\u0000${variables}`;
          const pending = inFlight.get(key);
          if (pending) {
            pending.followers++;
            const result = await pending.result;
            if (result !== null) {
              stats.joined++;
              return {
                http: { status: undefined, headers: new HeaderMap() },
                body: { kind: 'single', singleResult: JSON.parse(result) as FormattedExecutionResult },
              };
            }
            return null;
          }
          let settle!: (result: string | null) => void;
          const entry: InFlight = { result: new Promise<string | null>((r) => (settle = r)), followers: 0 };
          inFlight.set(key, entry);
          // Should this request never reach willSendResponse (a plugin throwing mid-pipeline), its followers run
          // their own execution after a while rather than wait for ever, and the entry goes.
          const timer = setTimeout(() => release(null), LEADER_TIMEOUT_MS).unref();
          const release = (result: string | null) => {
            clearTimeout(timer);
            if (inFlight.get(key) === entry) inFlight.delete(key);
            settle(result);
          };
          leading = { release, entry };
          return null;
        },
        async willSendResponse(requestContext) {
          if (!leading) return;
          const { body, http } = requestContext.response;
          const status = http.status ?? 200;
          const share = leading.entry.followers > 0 && body.kind === 'single' && status === 200;
          leading.release(share ? JSON.stringify(body.singleResult) : null);
          leading = null;
        },
      };
    },
  };
}
