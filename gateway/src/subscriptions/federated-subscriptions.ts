import type { ServiceMap } from '@apollo/gateway';
import type { FetchNode } from '@apollo/query-planner';
import { type Logger, type ServiceMetrics, principalScopeKey } from '@pos/kit';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context';
import { publicError } from './federated/errors';
import { EventExecution } from './federated/event-execution';
import { SubscriptionPlans, type SubscriptionRequest } from './federated/plans';
import { SharedStream } from './federated/shared-stream';
import { SharedUpstream } from './federated/shared-upstream';
import { StreamRegistry } from './federated/stream-registry';
import { UpstreamConnections } from './federated/upstream-connections';
import type { SubscriptionSink } from './operations';
import type { ResumableUpstream } from './resumable';

export type { SubscriptionRequest } from './federated/plans';

export interface SubscriptionSettings {
  /**
   * How long a dropped upstream stream is retried (with back-off) before its subscribers get an UNAVAILABLE
   * error. Each retry resumes after the last event received, so a subgraph restart within it loses nothing.
   */
  upstreamRetryMs: number;
  /**
   * Upstream events one shared stream may have waiting for their resolution before it fails as too slow. Sends to
   * a client do not wait for its socket (the socket's own limit closes a client that stops reading), so this only
   * trips when the gateway itself falls behind.
   */
  maxQueuedEvents: number;
}

const DEFAULT_SETTINGS: SubscriptionSettings = { upstreamRetryMs: 30_000, maxQueuedEvents: 10_000 };

/**
 * Federated subscriptions on top of @apollo/gateway, which refuses to execute them itself.
 *
 * The query planner splits a subscription into `primary` (the subscription field, fetched from the subgraph that
 * owns it: payments for paymentEvents, loyalty for loyaltyPinChallenges) and `rest` (entity fetches for fields of
 * other subgraphs). `primary` is opened upstream over graphql-ws, at that subgraph's URL; for every event, `rest`
 * runs through the gateway's own plan executor (federated/event-execution.ts), so cross-subgraph fields resolve
 * exactly as in a query.
 *
 * Sharing happens at two levels, both keyed by the caller's scope (principalScopeKey) so that no caller ever
 * receives what was resolved for another:
 * - a {@link SharedStream} per distinct client subscription (document, variables): every identical subscriber
 *   receives the same resolved result, so an event is resolved once however many subscribe to it;
 * - a {@link SharedUpstream} per distinct upstream operation: client documents that differ only in fields of
 *   other subgraphs still share one upstream subscription.
 * Memory and upstream connections therefore grow with distinct subscriptions, not with subscribers.
 *
 * A resumable field (resumable.ts) is anchored at a cursor before it is opened upstream, and the gateway reads
 * the cursor of every event it receives; when the upstream connection drops (a subgraph restart, a deploy) the
 * stream is opened again after the last cursor received, so its subscribers see no gap and no duplicate.
 */
export class FederatedSubscriptions {
  private readonly plans: SubscriptionPlans;
  private readonly execution: EventExecution;
  private readonly connections: UpstreamConnections;
  private readonly settings: SubscriptionSettings;
  private readonly upstreams = new StreamRegistry<SharedUpstream>();
  private readonly streams = new StreamRegistry<SharedStream>();
  private subscribers = 0;

  constructor(
    supergraphSdl: string,
    serviceMap: ServiceMap,
    subgraphUrls: Record<string, string>,
    internalSecret: string,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics,
    settings: Partial<SubscriptionSettings> = {},
  ) {
    this.plans = new SubscriptionPlans(supergraphSdl);
    this.execution = new EventExecution(this.plans.supergraph, this.plans.apiSchema, serviceMap, logger);
    this.connections = new UpstreamConnections(subgraphUrls, internalSecret);
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  /** The API schema as graphql-js sees it, for validating operations sent over graphql-ws. */
  get apiGraphQLSchema(): GraphQLSchema {
    return this.plans.apiGraphQLSchema;
  }

  /** The number of upstream streams currently open (shared ones count once). */
  get upstreamCount(): number {
    return this.upstreams.size;
  }

  /** Distinct client subscriptions being resolved (identical subscribers share one). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** graphql-ws connections to subgraphs: one per subgraph and caller scope with an open upstream stream. */
  get upstreamConnectionCount(): number {
    return this.connections.size;
  }

  /** Client subscriptions currently open. */
  get subscriberCount(): number {
    return this.subscribers;
  }

  /** Events resolved (the `rest` of a plan executed) since start, over all streams. */
  get resolutionCount(): number {
    return this.execution.resolutions;
  }

  /**
   * Starts a subscription delivering to `sink` (synchronously, with each result serialised once for every
   * identical subscriber); gives back the function that ends it. Throws a GraphQLError to refuse it.
   */
  subscribe(request: SubscriptionRequest, sink: SubscriptionSink): () => void {
    const { principal } = request.context;
    if (!principal) throw new GraphQLError('Unauthorized', { extensions: { code: 'UNAUTHENTICATED' } });
    const operationName = request.operationName ?? undefined;
    const entry = this.plans.plan(request.document, operationName);
    const node = entry.plan.node;
    if (node?.kind !== 'Subscription') {
      throw new GraphQLError('Only subscription operations can be subscribed to', {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    const variables = this.plans.coerceVariables(request.document, operationName, request.variables ?? {});
    const resumable = this.plans.resumable(node.primary);
    const after = resumable?.initialAfter(variables) ?? null;
    const scope = principalScopeKey(principal);

    // A client resuming after a cursor shares with identical subscriptions that have reached that cursor (joinable),
    // so its `after` variable is not part of what makes two subscriptions identical.
    const afterVariable = resumable
      ? this.plans.afterVariable(entry, request.document, operationName, resumable)
      : null;
    const keyVariables = afterVariable ? omit(variables, afterVariable) : variables;
    const streamKey = JSON.stringify([entry.key, stableJson(keyVariables), scope]);
    let stream = this.streams.joinable(streamKey, after);
    if (!stream) {
      const upstream = this.upstreamFor(node.primary, resumable, variables, after, request.context);
      const created: SharedStream = new SharedStream(
        upstream,
        after,
        this.execution.resolver(node, entry, request, variables),
        this.settings.maxQueuedEvents,
        () => this.left(),
        () => this.streams.remove(streamKey, created),
      );
      this.streams.add(streamKey, created);
      stream = created;
    }

    this.metrics.openSubscriptions.inc();
    this.subscribers++;
    // Built by the stream, not here: a closure made in this method would keep this method's whole scope (the
    // request, its variables, the stream key) alive for as long as the subscriber, about a kilobyte each.
    return stream.attach(sink);
  }

  /** A subscriber left its stream (it unsubscribed, its client went away, or the stream ended). */
  private left(): void {
    this.metrics.openSubscriptions.dec();
    this.subscribers--;
  }

  /** The upstream stream for a new shared stream: an identical one already open where it can join, else a new one. */
  private upstreamFor(
    primary: FetchNode,
    resumable: ResumableUpstream | null,
    variables: Record<string, unknown>,
    after: string | null,
    context: GatewayContext,
  ): SharedUpstream {
    const principal = context.principal!;
    const usages = resumable ? resumable.variableUsages : (primary.variableUsages ?? []);
    const upstreamVariables = Object.fromEntries(
      usages.filter((name) => name in variables).map((name) => [name, variables[name]]),
    );
    const operation = resumable?.operation ?? primary.operation;
    const key = JSON.stringify([
      primary.serviceName,
      operation,
      stableJson(upstreamVariables),
      principalScopeKey(principal),
    ]);
    const existing = this.upstreams.joinable(key, after);
    if (existing) return existing;
    const { client, release } = this.connections.client(primary.serviceName, context);
    const upstream: SharedUpstream = new SharedUpstream({
      client,
      operation,
      operationName: primary.operationName,
      variables: upstreamVariables,
      resumable,
      after,
      anchor: () => this.connections.headCursor(primary.serviceName, resumable!, context),
      retryMs: this.settings.upstreamRetryMs,
      publicError: (error) => publicError(error, this.logger),
      logger: this.logger.child({ subgraph: primary.serviceName }),
      onStop: () => {
        this.upstreams.remove(key, upstream);
        release();
      },
    });
    this.upstreams.add(key, upstream);
    return upstream;
  }

  async close(): Promise<void> {
    for (const stream of this.streams.all()) stream.stop();
    for (const upstream of this.upstreams.all()) upstream.stop();
    await this.connections.close();
  }
}

function omit(values: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _omitted, ...rest } = values;
  return rest;
}

/** JSON with object keys sorted, so that the same variables in another order share a stream. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
