import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway/dist/datasources/types';
import { ErrorCode, INTERNAL_CONTEXT_HEADER, REQUEST_ID_HEADER, type ServiceMetrics } from '@pos/kit';
// Tracing: a client span per subgraph fetch, with its traceparent.
import { SpanKind, injectTraceContext, withSpan } from '@pos/kit';
import { GraphQLError } from 'graphql';
import { Agent } from 'undici';
import { type GatewayContext, fetchContextOf, internalContextFor } from './context';
import { subgraphFetcher } from './fetch/fetcher';

/**
 * Keep-alive connections to the subgraphs through undici. The default fetcher (make-fetch-happen + agent-base)
 * costs ~12-19% of gateway CPU per request (a profile of the gateway under the read bench), much of it building an Error stack on every
 * request to decide whether the endpoint is https.
 */
const dispatcher = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000, connections: 128 });

/**
 * How long the gateway waits for a subgraph's answer before it gives up on that fetch (the client then gets the
 * subgraph's fields as null with an UNAVAILABLE error, REST a 503): above the payments subgraph's longest legitimate
 * wait (the processor, VALOR_TIMEOUT_MS 15 s, plus its database work), far below undici's default of 300 s, so a
 * subgraph that hangs cannot hold a client's request, and its socket, for minutes.
 */
export const SUBGRAPH_TIMEOUT_MS = 30_000;

/**
 * The fetcher all the subgraph data sources share: undici's request API rather than its WHATWG fetch
 * (fetch/fetcher.ts: about a fifth of the gateway's CPU), undici's own timers for SUBGRAPH_TIMEOUT_MS rather than an
 * AbortSignal per fetch, and a caller's reads to one subgraph in the same turn of the event loop sent as one batch
 * of up to `maxBatch` (SUBGRAPH_MAX_BATCH; 1 turns it off).
 */
export const subgraphFetcherFor = (maxBatch: number) =>
  subgraphFetcher(dispatcher, { timeoutMs: SUBGRAPH_TIMEOUT_MS, maxBatch });

/** Statuses of a proxy or load balancer in front of a subgraph that has no healthy instance. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/**
 * Whether a fetch failed because the subgraph could not be reached or did not answer in time (connection refused or
 * reset, a timeout, a proxy's 502/503/504), as opposed to an answer the subgraph gave. Errors the subgraph answered
 * with never land here: they come back as the response's `errors`.
 */
function isUnreachable(error: unknown): boolean {
  if (error instanceof GraphQLError) {
    const status = (error.extensions?.response as { status?: number } | undefined)?.status;
    return status !== undefined && UNAVAILABLE_STATUSES.has(status);
  }
  const { name, message } = (error ?? {}) as Partial<Error>;
  // undici: TypeError('fetch failed') with the socket error as its cause; the timeout aborts with TimeoutError.
  return (name === 'TypeError' && message === 'fetch failed') || name === 'TimeoutError' || name === 'AbortError';
}

/** Sends each subgraph fetch with the caller's signed context and the request id, and times it. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly name: string,
    url: string,
    private readonly internalSecret: string,
    private readonly metrics: ServiceMetrics,
    fetcher: RemoteGraphQLDataSource['fetcher'],
  ) {
    super({ url, fetcher });
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const { request } = options;
    const context = fetchContextOf(options);
    const headers = request.http!.headers;
    if (context?.requestId) headers.set(REQUEST_ID_HEADER, context.requestId);
    // The fetch span's W3C traceparent: the subgraph's server span continues it (nothing while tracing is off).
    injectTraceContext(headers);
    if (context?.principal) {
      headers.set(INTERNAL_CONTEXT_HEADER, await internalContextFor(this.internalSecret, context.principal));
    }
  }

  /**
   * A subgraph that cannot be reached (killed, restarting, hanging past SUBGRAPH_TIMEOUT_MS) answers, in its place,
   * one UNAVAILABLE error (reason `service_unavailable`; the gateway adds `serviceName`): the fields of the other
   * subgraphs still resolve (partial data), REST answers 503 `service_unavailable`, and nothing is remembered, so
   * the next request reaches the subgraph as soon as it is back. Other failures stay unexpected errors.
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const end = this.metrics.subgraphFetchDuration.startTimer({ subgraph: this.name });
    try {
      const response = await withSpan(
        `POST ${this.name}`,
        { kind: SpanKind.CLIENT, childOnly: true, attributes: { 'pos.subgraph': this.name, 'url.full': this.url } },
        () => super.process(options),
      );
      end({ outcome: response.errors?.length ? 'error' : 'ok' });
      return response;
    } catch (error) {
      end({ outcome: 'failure' });
      if (!isUnreachable(error)) throw error;
      const unavailable = {
        message: `The ${this.name} service is not available; retry later`,
        extensions: { code: ErrorCode.UNAVAILABLE, reason: 'service_unavailable' },
      };
      // The cause, for the log line errorReporting writes under the request id; not enumerable, never sent.
      Object.defineProperty(unavailable, 'cause', { value: error, enumerable: false });
      return { errors: [unavailable] };
    }
  }
}
