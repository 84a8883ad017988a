import {
  type GraphQLDataSourceProcessOptions,
  type ServiceMap,
  buildOperationContext,
  executeQueryPlan,
} from '@apollo/gateway';
// Not re-exported by the package, which has no exports map: the gateway's own result shaping and data rewrites, so
// that an event is shaped exactly as executeQueryPlan would shape it.
import { applyRewrites } from '@apollo/gateway/dist/dataRewrites';
import { computeResponse } from '@apollo/gateway/dist/resultShaping';
import { type Operation, type Schema, Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { type FetchNode, type QueryPlan, QueryPlanner, type SubscriptionNode } from '@apollo/query-planner';
import {
  AsyncQueue,
  ErrorCode,
  INTERNAL_CONTEXT_HEADER,
  type Logger,
  PUBLIC_ERROR_CODES,
  REQUEST_ID_HEADER,
  type ServiceMetrics,
  principalScopeKey,
} from '@pos/kit';
import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  getOperationAST,
  getVariableValues,
  parse,
  print,
  visit,
} from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type GatewayContext, internalContextFor } from '../context';
import { type ResumableUpstream, resumableUpstream } from './resumable';
import type { SubscriptionSink } from './operations';

const PRIMARY = '__subscription_primary__';

/** A subgraph's answer to the executor. */
type GatewayGraphQLResponse = Awaited<ReturnType<ServiceMap[string]['process']>>;

/** A distinct client subscription's plan, and what is derived from it once rather than per subscriber or event. */
interface PlanEntry {
  plan: QueryPlan;
  /** Operation name and printed document: what makes two client documents the same. */
  key: string;
  /** The printed document. */
  query: string;
  /** The client operation as the executor builds it (operationFromDocument), to shape every event's result. */
  operation: Operation;
  /** The variable carrying only the cursor argument (cursorOnlyVariable), once known; undefined until asked. */
  afterVariable?: string | null;
}

/** A deep copy of JSON data (an upstream event's). */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export interface SubscriptionRequest {
  /** Shared by every subscriber that sent the same text (ws-server's DocumentCache): keyed here by identity. */
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  context: GatewayContext;
}

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
 * A stream the client may simply subscribe to again: a resumable field (paymentEvents) with `after` set to the last
 * cursor it received; any other (loyaltyPinChallenges, whose events are whole states) as it is.
 */
const unavailable = (reason: 'subscriber_too_slow' | 'upstream_unavailable') =>
  new GraphQLError(
    reason === 'subscriber_too_slow'
      ? 'Events arrive faster than this subscription takes them: subscribe again (with after set to the last cursor received, where the field takes one)'
      : 'The event stream is unavailable for now: subscribe again (with after set to the last cursor received, where the field takes one)',
    { extensions: { code: ErrorCode.UNAVAILABLE, reason } },
  );

/**
 * Federated subscriptions on top of @apollo/gateway, which refuses to execute them itself.
 *
 * The query planner splits a subscription into `primary` (the subscription field, fetched from the subgraph that
 * owns it: payments for paymentEvents, loyalty for loyaltyPinChallenges) and `rest` (entity fetches for fields of
 * other subgraphs). `primary` is opened upstream over graphql-ws, at that subgraph's URL; for every event, `rest` runs through the gateway's own plan executor with a stand-in data source
 * that answers the primary fetch with the event, so cross-subgraph fields resolve exactly as in a query.
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
  private readonly supergraph: Supergraph;
  private readonly apiSchema: Schema;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly settings: SubscriptionSettings;
  private apiGraphQL: GraphQLSchema | undefined;
  private readonly plans = new Map<string, PlanEntry>();
  private readonly printed = new WeakMap<DocumentNode, string>();
  /** The subgraphs as the executor sees them when resolving events: identical fetches in flight share one. */
  private readonly sharedFetches: ServiceMap;
  private readonly inFlight = new Map<string, Promise<GatewayGraphQLResponse>>();
  /** What the plan executor is given as the client operation: one field, cheap to rebuild on every event. */
  private readonly executorOperationContext: ReturnType<typeof buildOperationContext>;
  private readonly resumables = new Map<string, ResumableUpstream | null>();
  private readonly upstreams = new Map<string, SharedUpstream[]>();
  private readonly streams = new Map<string, SharedStream[]>();
  private readonly clients = new Map<string, { client: Client; users: number }>();
  private resolutions = 0;
  private subscribers = 0;

  constructor(
    supergraphSdl: string,
    private readonly serviceMap: ServiceMap,
    private readonly subgraphUrls: Record<string, string>,
    private readonly internalSecret: string,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics,
    settings: Partial<SubscriptionSettings> = {},
  ) {
    this.supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = this.supergraph.apiSchema();
    this.supergraphSchema = this.supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(this.supergraph);
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    this.sharedFetches = Object.fromEntries(
      Object.entries(serviceMap).map(([name, source]) => [
        name,
        { process: (options: GraphQLDataSourceProcessOptions) => this.sharedFetch(name, source, options) },
      ]),
    );
    this.executorOperationContext = buildOperationContext({
      schema: this.supergraphSchema,
      operationDocument: parse('subscription { __typename }', { noLocation: true }),
    });
  }

  /** The API schema as graphql-js sees it, for validating operations sent over graphql-ws. */
  get apiGraphQLSchema(): GraphQLSchema {
    this.apiGraphQL ??= this.apiSchema.toGraphQLJSSchema();
    return this.apiGraphQL;
  }

  /** The number of upstream streams currently open (shared ones count once). */
  get upstreamCount(): number {
    return count(this.upstreams);
  }

  /** Distinct client subscriptions being resolved (identical subscribers share one). */
  get streamCount(): number {
    return count(this.streams);
  }

  /** graphql-ws connections to subgraphs: one per subgraph and caller scope with an open upstream stream. */
  get upstreamConnectionCount(): number {
    return this.clients.size;
  }

  /** Client subscriptions currently open. */
  get subscriberCount(): number {
    return this.subscribers;
  }

  /** Events resolved (the `rest` of a plan executed) since start, over all streams. */
  get resolutionCount(): number {
    return this.resolutions;
  }

  /**
   * Starts a subscription delivering to `sink` (synchronously, with each result serialised once for every
   * identical subscriber); gives back the function that ends it. Throws a GraphQLError to refuse it.
   */
  subscribe(request: SubscriptionRequest, sink: SubscriptionSink): () => void {
    const { principal } = request.context;
    if (!principal) throw new GraphQLError('Unauthorized', { extensions: { code: 'UNAUTHENTICATED' } });
    const operationName = request.operationName ?? undefined;
    const entry = this.plan(request.document, operationName);
    const node = entry.plan.node;
    if (node?.kind !== 'Subscription') {
      throw new GraphQLError('Only subscription operations can be subscribed to', {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    const variables = this.coerceVariables(request.document, operationName, request.variables ?? {});
    const resumable = this.resumable(node.primary);
    const after = resumable?.initialAfter(variables) ?? null;
    const scope = principalScopeKey(principal);

    // A client resuming after a cursor shares with identical subscriptions that have reached that cursor (joinable),
    // so its `after` variable is not part of what makes two subscriptions identical.
    if (resumable && entry.afterVariable === undefined) {
      entry.afterVariable = cursorOnlyVariable(request.document, operationName, resumable.field.afterArg);
    }
    const afterVariable = resumable ? entry.afterVariable : null;
    const keyVariables = afterVariable ? omit(variables, afterVariable) : variables;
    const streamKey = JSON.stringify([entry.key, stableJson(keyVariables), scope]);
    let stream = joinable(this.streams.get(streamKey), after);
    if (!stream) {
      const upstream = this.upstreamFor(node.primary, resumable, variables, after, request.context);
      const created: SharedStream = new SharedStream(
        upstream,
        after,
        this.resolver(node, entry, request, variables),
        this.settings.maxQueuedEvents,
        () => this.left(),
        () => remove(this.streams, streamKey, created),
      );
      add(this.streams, streamKey, created);
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
    const existing = joinable(this.upstreams.get(key), after);
    if (existing) return existing;
    const { client, release } = this.client(primary.serviceName, context);
    const upstream: SharedUpstream = new SharedUpstream({
      client,
      operation,
      operationName: primary.operationName,
      variables: upstreamVariables,
      resumable,
      after,
      anchor: () => this.headCursor(primary.serviceName, resumable!, context),
      retryMs: this.settings.upstreamRetryMs,
      publicError: (error) => this.publicError(error),
      logger: this.logger.child({ subgraph: primary.serviceName }),
      onStop: () => {
        remove(this.upstreams, key, upstream);
        release();
      },
    });
    add(this.upstreams, key, upstream);
    return upstream;
  }

  /**
   * Resolves one upstream event into the whole client result, shared by every identical subscriber. Without `rest`
   * (every field from the subgraph that owns the subscription) that is only the gateway's result shaping, done
   * synchronously with the operation cached with the plan. With `rest`, the gateway's plan executor fetches the
   * other subgraphs' fields into (a copy of) the event, which is then shaped the same way.
   */
  private resolver(
    node: SubscriptionNode,
    entry: PlanEntry,
    request: SubscriptionRequest,
    variables: Record<string, unknown>,
  ): (event: ExecutionResult) => ExecutionResult | Promise<ExecutionResult> {
    const { primary, rest } = node;
    const operation = entry.operation;
    const shape = (input: Record<string, unknown>) =>
      computeResponse({ operation, variables, input, introspectionHandling: () => null }).data;
    const internalError = (error: unknown): ExecutionResult => {
      this.logger.error({ err: error, requestId: request.context.requestId }, 'resolving a subscription event failed');
      return {
        errors: [
          new GraphQLError('Internal server error', {
            extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId: request.context.requestId },
          }),
        ],
      };
    };

    if (!rest) {
      const rewrites = primary.outputRewrites?.length ? primary.outputRewrites : null;
      return (event) => {
        this.resolutions++;
        const upstreamErrors = (event.errors ?? []).map((error) => this.publicError(error));
        if (!event.data) return { errors: upstreamErrors };
        try {
          let input = event.data as Record<string, unknown>;
          if (rewrites) {
            // The event is shared with the other streams of its upstream: rewrite a copy.
            input = copy(input);
            applyRewrites(this.supergraphSchema, rewrites, input);
          }
          const data = shape(input);
          return upstreamErrors.length ? { data, errors: upstreamErrors } : { data };
        } catch (error) {
          return internalError(error);
        }
      };
    }

    const stepPlan: QueryPlan = {
      kind: 'QueryPlan',
      node: { kind: 'Sequence', nodes: [{ ...primary, serviceName: PRIMARY }, rest] },
    };
    const clientRequest = {
      query: entry.query,
      variables,
      operationName: request.operationName ?? undefined,
    };
    return async (event) => {
      this.resolutions++;
      const upstreamErrors = (event.errors ?? []).map((error) => this.publicError(error));
      if (!event.data) return { errors: upstreamErrors };
      try {
        // The executor merges the primary fetch's data into its (empty) root by reference, so `rest` writes the
        // other subgraphs' fields into `input`, a copy of the event of this stream's own. The executor is handed a
        // one-field operation, so that it does not rebuild the client's operation on every event (it would only
        // use it to shape its result, which is discarded): `input` is shaped with the operation cached with the plan.
        const input = copy(event.data as Record<string, unknown>);
        const services: ServiceMap = {
          ...this.sharedFetches,
          [PRIMARY]: { process: async () => ({ data: input }) },
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
          this.executorOperationContext,
          this.supergraphSchema,
          this.apiSchema,
        );
        const data = shape(input);
        const errors = [...upstreamErrors, ...(result.errors ?? []).map((error) => this.publicError(error))];
        return errors.length ? { data, errors } : { data };
      } catch (error) {
        return internalError(error);
      }
    };
  }

  /**
   * A subgraph fetch of an event's `rest`, shared with identical ones in flight: one event resolved for several
   * client subscriptions of one caller scope that ask the same fields of another subgraph sends one request, not
   * one each (the same query, variables and caller give the same answer; only requests in flight are shared,
   * nothing is kept). Every caller gets its own copy of the answer, since the executor writes into what it gets.
   */
  private async sharedFetch(
    name: string,
    source: ServiceMap[string],
    options: GraphQLDataSourceProcessOptions,
  ): Promise<GatewayGraphQLResponse> {
    const principal = (options.context as Partial<GatewayContext>).principal;
    const { query, variables } = options.request;
    if (!principal || !query) return source.process(options);
    const key = JSON.stringify([name, principalScopeKey(principal), query, variables ?? null]);
    let fetching = this.inFlight.get(key);
    if (!fetching) {
      fetching = source.process(options).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, fetching);
    }
    return copy(await fetching);
  }

  /** Errors from a subgraph's graphql-ws stream are not formatted there: only public codes pass, as on HTTP. */
  private publicError(error: GraphQLFormattedError | GraphQLError): GraphQLError {
    const code = error.extensions?.code;
    const path = error.path ? [...error.path] : undefined;
    if (typeof code === 'string' && PUBLIC_ERROR_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { details, reason } = error.extensions as { details?: unknown; reason?: unknown };
      return new GraphQLError(error.message, {
        path,
        extensions: { code, ...(details !== undefined ? { details } : {}), ...(reason ? { reason } : {}) },
      });
    }
    this.logger.warn({ error: { message: error.message, code } }, 'masked an unexpected subscription error');
    return new GraphQLError('Internal server error', { path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
  }

  /**
   * The plan of a document and operation, with the operation shaped results are built from. Keyed by the printed
   * document, printed once per distinct document object (documents are shared by everyone who sent the same text).
   */
  private plan(document: DocumentNode, operationName?: string): PlanEntry {
    let printed = this.printed.get(document);
    if (printed === undefined) {
      printed = print(document);
      this.printed.set(document, printed);
    }
    const key = `${operationName ?? ''}\n${printed}`;
    let entry = this.plans.get(key);
    if (!entry) {
      const operation = operationFromDocument(this.apiSchema, document, { operationName });
      const plan = this.planner.buildQueryPlan(operation);
      // The planner's operation is its own; shaping gets another, as the executor would build it.
      const shaping = operationFromDocument(this.apiSchema, document, { operationName, validate: false });
      entry = { plan, key, query: printed, operation: shaping };
      if (this.plans.size >= 1000) this.plans.clear();
      this.plans.set(key, entry);
    }
    return entry;
  }

  private resumable(primary: FetchNode): ResumableUpstream | null {
    let resumable = this.resumables.get(primary.operation);
    if (resumable === undefined) {
      resumable = resumableUpstream(primary);
      if (this.resumables.size >= 1000) this.resumables.clear();
      this.resumables.set(primary.operation, resumable);
    }
    return resumable;
  }

  /**
   * The variables as the operation declares them (types checked, defaults applied). graphql-ws validates the
   * document only; the values would otherwise reach the subgraph unchecked, and the gateway reads `after` itself.
   */
  private coerceVariables(
    document: DocumentNode,
    operationName: string | undefined,
    inputs: Record<string, unknown>,
  ): Record<string, unknown> {
    const operation = getOperationAST(document, operationName);
    const coerced = getVariableValues(this.apiGraphQLSchema, operation?.variableDefinitions ?? [], inputs);
    if (coerced.errors) {
      throw new GraphQLError(coerced.errors[0].message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
    }
    return coerced.coerced;
  }

  /** The cursor of the caller's newest event, asked of the subgraph that owns the field (resumable.ts). */
  private async headCursor(serviceName: string, resumable: ResumableUpstream, context: GatewayContext) {
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
    if (body.errors?.length) throw body.errors;
    throw new Error(`${serviceName} answered ${response.status} without ${field}`);
  }

  /**
   * One graphql-ws connection per subgraph and caller scope, shared by that scope's upstream streams and closed
   * with the last of them. It never retries on its own: a retry would send the original subscription again,
   * from its original start; SharedUpstream resumes instead, after its last cursor.
   */
  private client(serviceName: string, context: GatewayContext): { client: Client; release: () => void } {
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

  async close(): Promise<void> {
    for (const streams of [...this.streams.values()]) for (const stream of [...streams]) stream.stop();
    for (const upstreams of [...this.upstreams.values()]) for (const upstream of [...upstreams]) upstream.stop();
    await Promise.all([...this.clients.values()].map(({ client }) => client.dispose()));
    this.clients.clear();
  }
}

interface Joinable {
  readonly live: boolean;
  readonly position: string | null;
  readonly joinable: boolean;
}

/**
 * Where a new subscriber can join without missing or repeating anything: a subscriber from "now" joins a stream
 * that started from "now"; one resuming after a cursor joins a stream whose last delivered event is that cursor.
 */
function joinable<T extends Joinable>(candidates: T[] | undefined, after: string | null): T | undefined {
  return candidates?.find((c) => c.joinable && (after === null ? c.live : c.position === after));
}

function add<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function remove<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)?.filter((v) => v !== value);
  if (list?.length) map.set(key, list);
  else map.delete(key);
}

function count(map: Map<string, unknown[]>): number {
  let total = 0;
  for (const list of map.values()) total += list.length;
  return total;
}

function omit(values: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _omitted, ...rest } = values;
  return rest;
}

/** The variable that gives the subscription field its cursor argument, when the document uses it nowhere else. */
function cursorOnlyVariable(
  document: DocumentNode,
  operationName: string | undefined,
  afterArg: string,
): string | null {
  const operation = getOperationAST(document, operationName);
  const root = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
  const value = root?.arguments?.find((a) => a.name.value === afterArg)?.value;
  if (value?.kind !== Kind.VARIABLE) return null;
  const name = value.name.value;
  let uses = 0;
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => {
      if (node.name.value === name) uses++;
    },
  });
  return uses === 1 ? name : null;
}

/** JSON with object keys sorted, so that the same variables in another order share a stream. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

interface UpstreamListener {
  next(event: ExecutionResult, cursor: string | null): void;
  fail(error: GraphQLError): void;
  complete(): void;
}

interface UpstreamOptions {
  client: Client;
  operation: string;
  operationName?: string;
  variables: Record<string, unknown>;
  resumable: ResumableUpstream | null;
  /** Where the stream starts: a cursor, or null for "from now" (anchored at the newest event before it opens). */
  after: string | null;
  anchor: () => Promise<string>;
  retryMs: number;
  publicError: (error: GraphQLFormattedError | GraphQLError) => GraphQLError;
  logger: Logger;
  onStop: () => void;
}

/**
 * One upstream subscription fanned out to every shared stream that asked for the same thing, reopened after
 * its last cursor whenever its connection drops, for up to `retryMs` of consecutive failure.
 */
class SharedUpstream implements Joinable {
  private readonly listeners = new Set<UpstreamListener>();
  readonly live: boolean;
  /** The cursor of the last event received, or where the stream starts; null until a live stream is anchored. */
  position: string | null;
  private unsubscribe: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failingSince: number | null = null;
  private attempts = 0;
  private started = false;
  private stopped = false;
  /** Bumped on every (re)open and on stop, so callbacks of a superseded upstream subscription are ignored. */
  private generation = 0;
  private readonly offConnected: () => void;

  constructor(private readonly options: UpstreamOptions) {
    this.live = options.after === null;
    this.position = options.after;
    // The subgraph answers again: the next failure starts a new retry window.
    this.offConnected = options.client.on('connected', () => this.recovered());
  }

  get joinable(): boolean {
    return !this.stopped;
  }

  attach(listener: UpstreamListener): void {
    this.listeners.add(listener);
    if (!this.started) {
      this.started = true;
      void this.open();
    }
  }

  detach(listener: UpstreamListener): void {
    this.listeners.delete(listener);
    if (!this.listeners.size) this.stop();
  }

  private recovered(): void {
    this.failingSince = null;
    this.attempts = 0;
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    const { resumable, client, operation, operationName, variables } = this.options;
    if (resumable && this.position === null) {
      try {
        this.position = await this.options.anchor();
      } catch (error) {
        if (generation === this.generation) this.failed(error);
        return;
      }
      if (generation !== this.generation) return;
    }
    const position = () => this.position;
    // `variables` is read when the message is sent, so even a resend by the client library carries the current
    // resume position rather than the one the stream started from.
    const payload = {
      query: operation,
      operationName,
      get variables() {
        return resumable ? resumable.withAfter(variables, position()) : variables;
      },
    };
    this.unsubscribe = client.subscribe<Record<string, unknown>>(payload, {
      next: (event) => {
        if (generation !== this.generation) return;
        this.recovered();
        const cursor = resumable?.cursorOf(event.data) ?? null;
        if (cursor !== null) this.position = cursor;
        for (const listener of [...this.listeners]) listener.next(event as ExecutionResult, cursor);
      },
      error: (error) => {
        if (generation !== this.generation) return;
        this.unsubscribe = null;
        this.failed(error);
      },
      complete: () => {
        if (generation !== this.generation) return;
        this.unsubscribe = null;
        for (const listener of [...this.listeners]) listener.complete();
        this.stop();
      },
    });
  }

  /**
   * A dropped connection (or a subgraph's UNAVAILABLE, e.g. when it found us too slow) is retried after the last
   * cursor; any other error is the subgraph's answer to this subscription and ends it for every subscriber.
   */
  private failed(error: unknown): void {
    if (this.stopped) return;
    const { logger, resumable, retryMs } = this.options;
    const errors = Array.isArray(error) ? (error as GraphQLFormattedError[]) : null;
    const retryable = !errors || errors.some((e) => e?.extensions?.code === ErrorCode.UNAVAILABLE);
    if (!retryable) {
      this.end(this.options.publicError(errors![0]));
      return;
    }
    const now = Date.now();
    this.failingSince ??= now;
    if (!resumable || now - this.failingSince >= retryMs) {
      logger.warn({ err: errors ? undefined : error, failingMs: now - this.failingSince }, 'upstream stream given up');
      this.end(unavailable('upstream_unavailable'));
      return;
    }
    const delay = Math.min(250 * 2 ** this.attempts++, 5_000) * (0.5 + Math.random() / 2);
    logger.info({ after: this.position, retryInMs: Math.round(delay) }, 'upstream stream dropped; resuming');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.open();
    }, delay);
  }

  private end(failure: GraphQLError): void {
    for (const listener of [...this.listeners]) listener.fail(failure);
    this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.listeners.clear();
    this.offConnected();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    unsubscribe?.();
    this.options.onStop();
  }
}

const END = Symbol('end');
type Pending = { event: ExecutionResult; cursor: string | null } | typeof END;

/**
 * One client subscription (document, variables, caller scope) resolved once per event for all its identical
 * subscribers, in event order. Each result is serialised once and handed to every subscriber's sink in a plain
 * synchronous loop (a sink sends without waiting). A subscriber whose client cannot take the results is closed on
 * its own by its connection; the others and the shared resolution carry on.
 */
class SharedStream implements UpstreamListener, Joinable {
  private readonly members = new Set<SubscriptionSink>();
  private readonly pending: AsyncQueue<Pending>;
  readonly live: boolean;
  /** The cursor of the last event handed to the subscribers, or where the stream starts. */
  position: string | null;
  private ending = false;
  private stopped = false;

  constructor(
    private readonly upstream: SharedUpstream,
    after: string | null,
    private readonly resolve: (event: ExecutionResult) => ExecutionResult | Promise<ExecutionResult>,
    maxQueued: number,
    /** Called once for every subscriber that leaves, whichever way. */
    private readonly onLeave: () => void,
    private readonly onStop: () => void,
  ) {
    this.live = after === null;
    this.position = after;
    this.pending = new AsyncQueue<Pending>(maxQueued, undefined, () => unavailable('subscriber_too_slow'));
    upstream.attach(this);
    void this.pump();
  }

  get joinable(): boolean {
    return !this.ending && !this.stopped;
  }

  /** Upstream events, waiting for their resolution. Also used for the upstream's end, after the events before it. */
  next(event: ExecutionResult, cursor: string | null): void {
    this.pending.push({ event, cursor });
  }

  fail(error: GraphQLError): void {
    this.ending = true;
    this.pending.fail(error);
  }

  complete(): void {
    this.ending = true;
    this.pending.push(END);
  }

  /** Adds a subscriber; gives back how it leaves (kept per subscriber, so it closes over the sink alone). */
  attach(sink: SubscriptionSink): () => void {
    this.members.add(sink);
    return () => this.detach(sink);
  }

  /** A subscriber leaves (idempotent: only a member leaves); the stream stops with its last one. */
  detach(sink: SubscriptionSink): void {
    if (!this.members.delete(sink)) return;
    this.onLeave();
    if (!this.members.size) this.stop();
  }

  private async pump(): Promise<void> {
    for (;;) {
      let item: Pending;
      try {
        const next = await this.pending.next();
        if (next.done) break;
        item = next.value;
      } catch (error) {
        this.endAll((sink) => sink.error([error as GraphQLError]));
        break;
      }
      if (item === END) {
        this.endAll((sink) => sink.complete());
        break;
      }
      const result = await this.resolve(item.event);
      if (this.stopped) break;
      if (item.cursor !== null) this.position = item.cursor;
      const json = JSON.stringify(result);
      // A send may close its client (too slow), which detaches it from this set during the loop: a Set allows that.
      for (const sink of this.members) sink.next(json);
    }
    this.stop();
  }

  /** The stream ended: every subscriber is told, and leaves. */
  private endAll(tell: (sink: SubscriptionSink) => void): void {
    const members = [...this.members];
    this.members.clear();
    for (const sink of members) {
      this.onLeave();
      tell(sink);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending.close();
    this.upstream.detach(this);
    this.onStop();
  }
}
