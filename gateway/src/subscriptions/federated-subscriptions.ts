import { type ServiceMap, buildOperationContext, executeQueryPlan } from '@apollo/gateway';
import { type Schema, Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { type FetchNode, type QueryPlan, QueryPlanner } from '@apollo/query-planner';
import {
  AsyncQueue,
  INTERNAL_CONTEXT_HEADER,
  type Logger,
  REQUEST_ID_HEADER,
  type ServiceMetrics,
  principalScopeKey,
} from '@pos/kit';
import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLSchema, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type GatewayContext, internalContextFor } from '../context';

const PRIMARY = '__subscription_primary__';

export interface SubscriptionRequest {
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  context: GatewayContext;
}

/**
 * Federated subscriptions on top of @apollo/gateway, which refuses to execute them itself (DESIGN §3).
 *
 * The query planner splits a subscription into `primary` (the subscription field, fetched from the subgraph that
 * owns it) and `rest` (entity fetches for fields of other subgraphs). `primary` is opened upstream over
 * graphql-ws; for every event, `rest` runs through the gateway's own plan executor with a stand-in data source
 * that answers the primary fetch with the event, so cross-subgraph fields resolve exactly as in a query.
 * Identical upstream subscriptions (same operation, variables and caller scope) share one upstream stream.
 */
export class FederatedSubscriptions {
  private readonly supergraph: Supergraph;
  private readonly apiSchema: Schema;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private apiGraphQL: GraphQLSchema | undefined;
  private readonly plans = new Map<string, QueryPlan>();
  private readonly upstreams = new Map<string, SharedUpstream>();
  private readonly clients = new Map<string, Client>();

  constructor(
    supergraphSdl: string,
    private readonly serviceMap: ServiceMap,
    private readonly subgraphUrls: Record<string, string>,
    private readonly internalSecret: string,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics,
  ) {
    this.supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = this.supergraph.apiSchema();
    this.supergraphSchema = this.supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(this.supergraph);
  }

  /** The number of upstream streams currently open (shared ones count once). */
  /** The API schema as graphql-js sees it, for validating operations sent over graphql-ws. */
  get apiGraphQLSchema(): GraphQLSchema {
    this.apiGraphQL ??= this.apiSchema.toGraphQLJSSchema();
    return this.apiGraphQL;
  }

  get upstreamCount(): number {
    return this.upstreams.size;
  }

  subscribe(request: SubscriptionRequest): AsyncIterableIterator<ExecutionResult> {
    const { principal } = request.context;
    if (!principal) throw new GraphQLError('Unauthorized', { extensions: { code: 'UNAUTHENTICATED' } });
    const plan = this.plan(request.document, request.operationName ?? undefined);
    const node = plan.node;
    if (node?.kind !== 'Subscription') {
      throw new GraphQLError('Only subscription operations can be subscribed to', {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    const primary = node.primary;
    const variables = request.variables ?? {};
    const upstreamVariables = Object.fromEntries(
      (primary.variableUsages ?? []).filter((name) => name in variables).map((name) => [name, variables[name]]),
    );
    const key = JSON.stringify([
      primary.serviceName,
      primary.operation,
      upstreamVariables,
      principalScopeKey(principal),
    ]);
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      upstream = new SharedUpstream(this.client(primary.serviceName, request.context), primary, upstreamVariables, () =>
        this.upstreams.delete(key),
      );
      this.upstreams.set(key, upstream);
    }

    const events = new AsyncQueue<ExecutionResult>();
    upstream.attach(events);
    const operationContext = buildOperationContext({
      schema: this.supergraphSchema,
      operationDocument: request.document,
      operationName: request.operationName ?? undefined,
    });
    const rest = node.rest;
    const clientRequest = {
      query: print(request.document),
      variables,
      operationName: request.operationName ?? undefined,
    };
    const run = async (event: ExecutionResult): Promise<ExecutionResult> => {
      if (!event.data) return { errors: event.errors };
      const stepPlan: QueryPlan = {
        kind: 'QueryPlan',
        node: { kind: 'Sequence', nodes: [{ ...primary, serviceName: PRIMARY }, ...(rest ? [rest] : [])] },
      };
      const services: ServiceMap = {
        ...this.serviceMap,
        [PRIMARY]: { process: async () => ({ data: event.data as Record<string, unknown> }) },
      };
      const result = await executeQueryPlan(
        stepPlan,
        services,
        {
          request: clientRequest,
          context: request.context,
          metrics: {},
          logger: this.logger,
          cache: undefined,
        } as unknown as Parameters<typeof executeQueryPlan>[2],
        operationContext,
        this.supergraphSchema,
        this.apiSchema,
      );
      return { data: result.data, errors: [...(event.errors ?? []), ...(result.errors ?? [])] };
    };
    this.metrics.openSubscriptions.inc();
    let open = true;
    const finish = () => {
      if (!open) return;
      open = false;
      this.metrics.openSubscriptions.dec();
      upstream.detach(events);
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        const result = await events.next().catch((error: unknown) => {
          finish();
          throw error;
        });
        if (result.done) {
          finish();
          return result;
        }
        const value = await run(result.value);
        return { value: withoutEmptyErrors(value), done: false };
      },
      async return() {
        events.close();
        finish();
        return { value: undefined, done: true };
      },
    };
  }

  private plan(document: DocumentNode, operationName?: string): QueryPlan {
    const key = `${operationName ?? ''}\n${print(document)}`;
    let plan = this.plans.get(key);
    if (!plan) {
      const operation = operationFromDocument(this.apiSchema, document, { operationName });
      plan = this.planner.buildQueryPlan(operation);
      if (this.plans.size >= 1000) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
  }

  /** One graphql-ws connection per subgraph and caller scope; it opens lazily and closes when unused. */
  private client(serviceName: string, context: GatewayContext): Client {
    const principal = context.principal!;
    const key = `${serviceName}|${principalScopeKey(principal)}`;
    let client = this.clients.get(key);
    if (!client) {
      const url = this.subgraphUrls[serviceName].replace(/^http/, 'ws');
      client = createClient({
        url,
        webSocketImpl: WebSocket,
        lazy: true,
        lazyCloseTimeout: 1_000,
        retryAttempts: 3,
        connectionParams: async () => ({
          [INTERNAL_CONTEXT_HEADER]: await internalContextFor(this.internalSecret, principal),
          [REQUEST_ID_HEADER]: context.requestId,
        }),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  async close(): Promise<void> {
    for (const upstream of this.upstreams.values()) upstream.stop();
    await Promise.all([...this.clients.values()].map((client) => client.dispose()));
    this.clients.clear();
  }
}

/** One upstream subscription fanned out to every local subscriber that asked for the same thing. */
class SharedUpstream {
  private readonly listeners = new Set<AsyncQueue<ExecutionResult>>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly client: Client,
    private readonly primary: FetchNode,
    private readonly variables: Record<string, unknown>,
    private readonly onEmpty: () => void,
  ) {}

  attach(queue: AsyncQueue<ExecutionResult>): void {
    this.listeners.add(queue);
    if (!this.unsubscribe) {
      this.unsubscribe = this.client.subscribe(
        { query: this.primary.operation, variables: this.variables, operationName: this.primary.operationName },
        {
          next: (event) => {
            for (const listener of this.listeners) listener.push(event as ExecutionResult);
          },
          error: (error) => {
            const failure = upstreamFailure(error);
            for (const listener of this.listeners) listener.fail(failure);
            this.stop();
          },
          complete: () => {
            for (const listener of this.listeners) listener.close();
            this.stop();
          },
        },
      );
    }
  }

  detach(queue: AsyncQueue<ExecutionResult>): void {
    this.listeners.delete(queue);
    if (!this.listeners.size) this.stop();
  }

  stop(): void {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    this.listeners.clear();
    this.onEmpty();
    unsubscribe?.();
  }
}

/** Upstream failures reach clients as a GraphQL error with a public code, never as internal text. */
function upstreamFailure(error: unknown): Error {
  if (Array.isArray(error) && error[0] && typeof error[0].message === 'string') {
    const code = (error[0] as { extensions?: { code?: string } }).extensions?.code;
    return new GraphQLError(error[0].message as string, { extensions: { code: code ?? 'BAD_REQUEST' } });
  }
  return new GraphQLError('Upstream subscription failed', { extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } });
}

function withoutEmptyErrors(result: ExecutionResult): ExecutionResult {
  return result.errors?.length ? result : { data: result.data };
}
