import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway/dist/datasources/types';
import { INTERNAL_CONTEXT_HEADER, REQUEST_ID_HEADER, type ServiceMetrics } from '@pos/kit';
// Tracing: a client span per subgraph fetch, with its traceparent.
import { SpanKind, injectTraceContext, withSpan } from '@pos/kit';
import { Agent, fetch as undiciFetch } from 'undici';
import { type GatewayContext, internalContextFor } from './context';

/**
 * Keep-alive connections to the subgraphs through undici. The default fetcher (make-fetch-happen + agent-base)
 * costs ~12-19% of gateway CPU per request (notes/gateway-bench.md), much of it building an Error stack on every
 * request to decide whether the endpoint is https.
 */
const dispatcher = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000, connections: 128 });
const fetcher = ((url: string, init: Parameters<typeof undiciFetch>[1]) =>
  undiciFetch(url, { ...init, dispatcher })) as unknown as RemoteGraphQLDataSource['fetcher'];

/** Sends each subgraph fetch with the caller's signed context and the request id, and times it. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly name: string,
    url: string,
    private readonly internalSecret: string,
    private readonly metrics: ServiceMetrics,
  ) {
    super({ url, fetcher });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http!.headers;
    if (context?.requestId) headers.set(REQUEST_ID_HEADER, context.requestId);
    // The fetch span's W3C traceparent: the subgraph's server span continues it (nothing while tracing is off).
    injectTraceContext(headers);
    if (context?.principal) {
      headers.set(INTERNAL_CONTEXT_HEADER, await internalContextFor(this.internalSecret, context.principal));
    }
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const end = this.metrics.subgraphFetchDuration.startTimer({ subgraph: this.name });
    try {
      const response = await withSpan(
        `POST ${this.name}`,
        { kind: SpanKind.CLIENT, childOnly: true, attributes: { 'pos.subgraph': this.name, 'url.full': this.url! } },
        () => super.process(options),
      );
      end({ outcome: response.errors?.length ? 'error' : 'ok' });
      return response;
    } catch (error) {
      end({ outcome: 'failure' });
      throw error;
    }
  }
}
