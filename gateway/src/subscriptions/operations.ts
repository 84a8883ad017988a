import { randomUUID } from 'node:crypto';
import { type Logger, type Principal, SpanKind, markFailed, withSpan } from '@pos/kit';
import {
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  getOperationAST,
} from 'graphql';
import type { GatewayContext } from '../context';
import { type Decided, isPending, isRateLimitStoreUnavailable, rateLimitUnavailable } from '../hardening/store';
import type { DocumentRequest, ResolvedDocument } from '../trusted-documents';
import { DocumentCache } from './documents';

/** One operation a client started: its document (shared by everyone who sent the same text), its variables, who. */
export interface OperationRequest {
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  context: GatewayContext;
}

/**
 * Where an operation's results go. Every call sends at once and returns: nothing waits for the client (a client
 * that stops reading is dropped by its transport instead), so one event reaches all subscribers of a stream in a
 * plain loop.
 */
export interface SubscriptionSink {
  /** One result, serialised already (`JSON.stringify` of the ExecutionResult, once for all who share it). */
  next(resultJson: string): void;
  /** Ends the operation with errors (graphql-ws: an `error` message). */
  error(errors: ReadonlyArray<GraphQLError | GraphQLFormattedError>): void;
  /** Ends the operation normally. */
  complete(): void;
}

/** What the gateway does with a checked operation; the same for every transport (app.ts supplies them). */
export interface OperationHandlers {
  /** The schema client documents are validated against (each distinct text once, see DocumentCache). */
  schema: GraphQLSchema;
  /**
   * Starts a subscription delivering to `sink`; gives back how to stop it (the client completed it or left). Throws
   * a GraphQLError to refuse it.
   */
  subscribe(request: OperationRequest, sink: SubscriptionSink): () => void;
  /** Runs a query or mutation sent over a streaming transport. */
  execute(request: OperationRequest): Promise<ExecutionResult | FormattedExecutionResult>;
  /**
   * Why a valid document may not run (depth and cost limits, hardening/limits.ts): none when it may. Called for
   * every operation with the shared parsed document, so it should remember its answer per document.
   */
  limits?(document: DocumentNode): readonly GraphQLError[];
  /**
   * Takes one request from the caller's rate limit: null when it may go on, else how long to wait. Transports whose
   * requests already passed the HTTP rate limit do not ask again. At once with the memory store, later with Redis
   * (hardening/store.ts), which may reject when it could not decide (RateLimitStoreUnavailable).
   */
  rateLimit?(principal: Principal): Decided<{ retryAfterSeconds: number } | null>;
  /**
   * Spends a subscription's calculated cost from its caller's budget (hardening/cost.ts): null when it may start,
   * else the error it ends with. Queries and mutations are charged where they execute (Apollo Server).
   */
  chargeSubscription?(request: OperationRequest, operation: OperationDefinitionNode): Decided<GraphQLError | null>;
  /** Whether validation errors may suggest field names ("Did you mean …?"); false in production. */
  suggestions?: boolean;
  /**
   * The text an operation stands for (trusted-documents.ts TrustedDocuments.resolveDocument): a trusted document
   * named by hash (`extensions.persistedQuery` or `documentId`), or the payload's own text when its caller may send
   * one; the error it is refused with otherwise. Without it, the payload's `query` is run as it is.
   */
  resolveDocument?(request: DocumentRequest, principal: Principal): Promise<ResolvedDocument>;
}

/** What a client sends to start an operation (graphql-ws's subscribe payload, an HTTP body or query string). */
export interface OperationPayload {
  query?: unknown;
  /** A trusted document's id (GraphQL over HTTP), resolved by {@link Operations.resolve}. */
  documentId?: unknown;
  /** `persistedQuery: { version: 1, sha256Hash }` names a trusted document (Apollo), resolved the same way. */
  extensions?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** An operation that may run: the request, and its operation definition (`operation.operation` is its type). */
export interface CheckedOperation {
  request: OperationRequest;
  operation: OperationDefinitionNode;
}

/** Why an operation did not start. */
export interface Refused {
  errors: readonly GraphQLError[];
}

/** How an HTTP transport answers a refusal: 429 for rate limits, 401/403 for credentials, else 400 (500 if ours). */
export function httpStatusOf(errors: readonly GraphQLError[]): { status: number; retryAfterSeconds?: number } {
  for (const error of errors) {
    const { code, retryAfterSeconds } = error.extensions;
    if (code === 'RATE_LIMITED') {
      return { status: 429, ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}) };
    }
    if (code === 'UNAUTHENTICATED') return { status: 401 };
    if (code === 'FORBIDDEN') return { status: 403 };
    if (code === 'UNAVAILABLE') {
      // A limit the shared store could not decide says when to come back (hardening/store.ts).
      return { status: 503, ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}) };
    }
    if (code === 'INTERNAL_SERVER_ERROR') return { status: 500 };
  }
  return { status: 400 };
}

const internalError = () =>
  new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });

const tooManyRequests = (retryAfterSeconds: number): Refused => ({
  errors: [
    new GraphQLError(`Too many requests: retry after ${retryAfterSeconds} s`, {
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds },
    }),
  ],
});

/**
 * What the gateway does with one operation a client sends over a streaming transport (graphql-ws, multipart HTTP,
 * GraphQL over SSE), whichever it is: checks it (rate limit, the document through the shared DocumentCache, depth
 * and cost limits, the operation, a subscription's cost), then runs it — a subscription through the shared
 * federated path (FederatedSubscriptions: tenant scope, sharing of upstreams, resume by `after`), a query or
 * mutation through Apollo Server — under a server span named after the transport. The caller is authenticated by
 * the transport before (each has its own place for the credential); each transport only frames what this gives it.
 */
export class Operations {
  private readonly documents: DocumentCache;

  constructor(
    private readonly handlers: OperationHandlers,
    private readonly logger: Logger,
  ) {
    this.documents = new DocumentCache(handlers.schema, handlers.suggestions ?? true);
  }

  /** The type of the operation `payload` names (its document checked once, as for check), or null if none. */
  operationTypeOf(payload: OperationPayload): OperationDefinitionNode['operation'] | null {
    if (typeof payload.query !== 'string' || payload.query === '') return null;
    const { document } = this.documents.get(payload.query);
    if (!document) return null;
    const operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
    return getOperationAST(document, operationName)?.operation ?? null;
  }

  /**
   * `payload` with the text it stands for as its `query`: every transport calls this before {@link check}, so that a
   * document sent by hash (and the refusal of a first-party app's own text under TRUSTED_DOCUMENTS=require) is
   * handled alike everywhere. Never rejects: a failed lookup is an internal error.
   */
  async resolve(principal: Principal, payload: OperationPayload): Promise<OperationPayload | Refused> {
    if (!this.handlers.resolveDocument) return payload;
    try {
      const resolved = await this.handlers.resolveDocument(payload, principal);
      if (!resolved.ok) return { errors: [resolved.error] };
      return { ...payload, query: resolved.query };
    } catch (error) {
      this.logger.error({ err: error }, 'resolving an operation document failed');
      return { errors: [internalError()] };
    }
  }

  /**
   * Checks `payload` as `principal`'s operation: what may be refused before anything runs. `rateLimit` false for
   * transports whose request already passed the HTTP rate limit. A subscription's cost is spent here, so only a
   * checked subscription that will be started should be checked. Answers at once unless a limit's store answers
   * later (RATE_LIMIT_STORE=redis); never rejects.
   */
  check(
    principal: Principal,
    payload: OperationPayload,
    { rateLimit = true } = {},
  ): Decided<CheckedOperation | Refused> {
    const limited = rateLimit ? this.handlers.rateLimit?.(principal) : null;
    if (!isPending(limited)) {
      return limited ? tooManyRequests(limited.retryAfterSeconds) : this.checkOperation(principal, payload);
    }
    return limited.then(
      (refused) => (refused ? tooManyRequests(refused.retryAfterSeconds) : this.checkOperation(principal, payload)),
      (error: unknown) => this.undecided(error),
    );
  }

  /** The checks after the rate limit: the document, its limits, the operation, a subscription's cost. */
  private checkOperation(principal: Principal, payload: OperationPayload): Decided<CheckedOperation | Refused> {
    if (typeof payload.query !== 'string' || payload.query === '') {
      return { errors: [new GraphQLError('A GraphQL document is required', { extensions: { code: 'BAD_REQUEST' } })] };
    }
    if (payload.operationName != null && typeof payload.operationName !== 'string') {
      return { errors: [new GraphQLError('operationName must be a string', { extensions: { code: 'BAD_REQUEST' } })] };
    }
    const { variables } = payload;
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) {
      return { errors: [new GraphQLError('variables must be an object', { extensions: { code: 'BAD_REQUEST' } })] };
    }
    const checked = this.documents.get(payload.query);
    if (!checked.document) return { errors: checked.errors };
    const overLimits = this.handlers.limits?.(checked.document);
    if (overLimits?.length) return { errors: overLimits };
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(checked.document, operationName);
    if (!operation) return { errors: [new GraphQLError('Unable to identify operation')] };
    const request: OperationRequest = {
      document: checked.document,
      operationName,
      variables: (variables as Record<string, unknown> | null | undefined) ?? undefined,
      context: { requestId: randomUUID(), principal },
    };
    if (operation.operation !== 'subscription' || !this.handlers.chargeSubscription) return { request, operation };
    let charged: Decided<GraphQLError | null>;
    try {
      charged = this.handlers.chargeSubscription(request, operation);
    } catch (error) {
      return this.undecided(error);
    }
    const answer = (overBudget: GraphQLError | null): CheckedOperation | Refused =>
      overBudget ? { errors: [overBudget] } : { request, operation };
    return isPending(charged) ? charged.then(answer, (error: unknown) => this.undecided(error)) : answer(charged);
  }

  /** A limit that could not be decided (503), or a failure of ours (500): a refusal either way, never a throw. */
  private undecided(error: unknown): Refused {
    if (isRateLimitStoreUnavailable(error)) return { errors: [rateLimitUnavailable()] };
    this.logger.error({ err: error }, 'checking an operation failed');
    return { errors: [internalError()] };
  }

  /**
   * Runs a checked operation, delivering to `sink`. A subscription: gives back how to stop it, or the errors that
   * refused it when the federated path would not start it (an unknown variable, a subgraph refusing). A query or
   * mutation runs asynchronously: one `next`, then `complete`; what is given back stops nothing.
   */
  run(
    transport: string,
    { request, operation }: CheckedOperation,
    sink: SubscriptionSink,
  ): { stop: () => void } | Refused {
    // A server span per operation, as /graphql has per request (nothing while tracing is off): a query or mutation's
    // covers its execution and the subgraph fetches under it; a subscription's covers planning it and opening (or
    // joining) its upstream stream. The events it then carries start no trace of their own.
    const name = operation.name?.value;
    const span = {
      kind: SpanKind.SERVER,
      service: 'gateway',
      attributes: {
        'graphql.operation.type': operation.operation,
        ...(name ? { 'graphql.operation.name': name } : {}),
      },
    };
    const spanName = `${transport} ${operation.operation}${name ? ` ${name}` : ''}`;
    if (operation.operation !== 'subscription') {
      void withSpan(spanName, span, (active) => this.execute(transport, request, sink, active));
      return { stop: () => undefined };
    }
    try {
      return { stop: withSpan(spanName, span, () => this.handlers.subscribe(request, sink)) };
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      this.logger.error({ err: error, transport }, 'starting a subscription failed');
      return { errors: [internalError()] };
    }
  }

  /** `span`: the operation's server span, marked failed if the execution throws (it answers the client itself). */
  private async execute(
    transport: string,
    request: OperationRequest,
    sink: SubscriptionSink,
    span: Parameters<typeof markFailed>[0],
  ): Promise<void> {
    let resultJson: string;
    try {
      resultJson = JSON.stringify(await this.handlers.execute(request));
    } catch (error) {
      markFailed(span, error);
      this.logger.error({ err: error, transport }, 'an operation over a streaming transport failed');
      resultJson = JSON.stringify({ errors: [internalError()] });
    }
    sink.next(resultJson);
    sink.complete();
  }
}

/** Whether `outcome` (of check or run) is a refusal. */
export const isRefused = <T extends object>(outcome: T | Refused): outcome is Refused => 'errors' in outcome;
