import { type ServiceMap, buildOperationContext, executeQueryPlan } from '@apollo/gateway';
// Not re-exported by the package, which has no exports map: the gateway's own result shaping and data rewrites, so
// that an event is shaped exactly as executeQueryPlan would shape it. This module is the only one that reaches
// into @apollo/gateway's internals, so an upgrade that moves them breaks here and nowhere else.
import { applyRewrites } from '@apollo/gateway/dist/dataRewrites';
import { computeResponse } from '@apollo/gateway/dist/resultShaping';
import type { Schema, Supergraph } from '@apollo/federation-internals';
import type { QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import { ErrorCode, type Logger } from '@pos/kit';
import { type ExecutionResult, GraphQLError, type GraphQLSchema, getOperationAST, parse } from 'graphql';
import { SharedSubgraphFetches } from '../../fetch/shared-fetches';
import { publicError } from './errors';
import type { PlanEntry, SubscriptionRequest } from './plans';

const PRIMARY = '__subscription_primary__';

/** A deep copy of JSON data (an upstream event's). */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Resolves one upstream event into the client's result: the same result for every identical subscriber. */
export type EventResolver = (event: ExecutionResult) => ExecutionResult | Promise<ExecutionResult>;

/**
 * The `rest` of a subscription's plan, run for every upstream event through the gateway's own plan executor with
 * a stand-in data source that answers the primary fetch with the event, so that cross-subgraph fields resolve
 * exactly as in a query, and the result shaped as the executor shapes a query's.
 */
export class EventExecution {
  private readonly supergraphSchema: GraphQLSchema;
  /**
   * The subgraphs as the executor sees them when resolving events: one event resolved for several client
   * subscriptions of one caller scope that ask the same fields of another subgraph sends one request, not one each
   * (fetch/shared-fetches.ts: only requests in flight are shared, nothing is kept, each caller gets its own copy).
   */
  private readonly sharedFetches: ServiceMap;
  /** What the plan executor is given as the client operation: one field, cheap to rebuild on every event. */
  private readonly executorOperationContext: ReturnType<typeof buildOperationContext>;
  /** Events resolved (the `rest` of a plan executed) since start, over all streams. */
  resolutions = 0;

  constructor(
    supergraph: Supergraph,
    private readonly apiSchema: Schema,
    serviceMap: ServiceMap,
    private readonly logger: Logger,
  ) {
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.sharedFetches = Object.fromEntries(
      Object.entries(serviceMap).map(([name, source]) => [
        name,
        new SharedSubgraphFetches(name, source, { coalesce: true, dedupe: false }),
      ]),
    );
    this.executorOperationContext = buildOperationContext({
      schema: this.supergraphSchema,
      operationDocument: parse('subscription { __typename }', { noLocation: true }),
    });
  }

  /**
   * Resolves one upstream event into the whole client result, shared by every identical subscriber. Without `rest`
   * (every field from the subgraph that owns the subscription) that is only the gateway's result shaping, done
   * synchronously with the operation cached with the plan. With `rest`, the gateway's plan executor fetches the
   * other subgraphs' fields into (a copy of) the event, which is then shaped the same way.
   */
  resolver(
    node: SubscriptionNode,
    entry: PlanEntry,
    request: SubscriptionRequest,
    variables: Record<string, unknown>,
  ): EventResolver {
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
        const upstreamErrors = (event.errors ?? []).map((error) => publicError(error, this.logger));
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
    const operationName = request.operationName ?? undefined;
    const clientRequest = { query: entry.query, variables, operationName };
    // The client's operation, for the data sources rather than the executor (which does not read it): the shared
    // fetches share a fetch only when it reads, and an event's `rest` reads, as a query's fetches do.
    const operationDefinition = getOperationAST(request.document, operationName);
    return async (event) => {
      this.resolutions++;
      const upstreamErrors = (event.errors ?? []).map((error) => publicError(error, this.logger));
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
            operation: operationDefinition,
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
        const errors = [...upstreamErrors, ...(result.errors ?? []).map((error) => publicError(error, this.logger))];
        return errors.length ? { data, errors } : { data };
      } catch (error) {
        return internalError(error);
      }
    };
  }
}
