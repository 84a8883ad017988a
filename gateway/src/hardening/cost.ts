import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { Principal } from '@pos/kit';
import type { Response } from 'express';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  getOperationAST,
} from 'graphql';
import type { GatewayContext } from '../context';
import { callerKey } from './http';
import { type OperationLimits, costMessage, limitError, measureOperation } from './limits';
import { RateLimiter, type Spent } from './rate-limit';
import { type BucketStore, type Decided, isPending, isRateLimitStoreUnavailable, rateLimitUnavailable } from './store';

/**
 * Rate limits by calculated cost, as Shopify's GraphQL API has them: every caller has a bucket of cost points that
 * refills at a steady rate, and every operation spends its cost from it once it is parsed and validated: the cost
 * the depth and cost limits measure (limits.ts), with the request's variables (`first: $n` counts n) and a
 * mutation's fields weighing 10. So one request of 500 aliased mutations spends what 500 requests of one would, on
 * every transport: `/graphql` over HTTP, each graphql-ws subscribe message (queries and mutations through Apollo
 * Server, subscriptions in the ws server), and the REST routes' in-process operations. The per-request limit in
 * front of them (http.ts) stays as a flood guard that runs before a body is read.
 *
 * The buckets are per caller, per gateway replica with RATE_LIMIT_STORE=memory, like the request limit's
 * (rate-limit.ts explains why), or shared by every replica in Redis (redis-store.ts).
 */
export interface CostLimit {
  /** The bucket's size: what a caller may spend at once after being idle. */
  maximumAvailable: number;
  /** Points a second a bucket refills; 0 turns cost limits off. */
  restoreRate: number;
}

/** The throttle state of a caller's bucket, as `extensions.cost.throttleStatus` and the RateLimit headers give it. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/**
 * `extensions.cost` of every answer: what the operation could cost (paid before it ran), what it did cost (what its
 * answer holds; the difference went back to the bucket), and the bucket after both; `throttleStatus` is null while
 * cost limits are off.
 */
export interface OperationCost {
  requestedQueryCost: number;
  actualQueryCost: number;
  throttleStatus: ThrottleStatus | null;
}

/** What a charge did: the extension to answer with, and the error to answer instead when it was refused. */
export interface CostCharge {
  cost: OperationCost;
  refusal: GraphQLError | null;
}

const NAMELESS = '';

/**
 * What CostLimits answers over a store of buckets `S`: at once over one that answers at once (the memory
 * RateLimiter, the default), else {@link Decided} (at once or later). So the memory path stays synchronous for its
 * callers, and only a shared store makes them wait (store.ts says why).
 */
export type CostAnswer<S extends BucketStore, T> = ReturnType<S['spend']> extends Spent ? T : Decided<T>;

export class CostLimits<S extends BucketStore = RateLimiter> {
  private readonly buckets: BucketStore;
  /** Costs that no variable decides, per parsed document (Apollo Server and the ws server share parsed documents). */
  private readonly known = new WeakMap<DocumentNode, Map<string, number>>();

  constructor(
    readonly limit: CostLimit,
    private readonly operationLimits: OperationLimits,
    now?: () => number,
    /** The buckets, when not this replica's own memory (RATE_LIMIT_STORE=redis); `limit` must be theirs. */
    buckets?: S,
  ) {
    this.buckets = buckets ?? new RateLimiter({ perSecond: limit.restoreRate, burst: limit.maximumAvailable }, now);
  }

  get enabled(): boolean {
    return this.buckets.enabled;
  }

  /** The cost of the operation a request runs, with its variables. */
  costOf(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Readonly<Record<string, unknown>> | null | undefined,
  ): number {
    const key = operationName ?? NAMELESS;
    const cached = this.known.get(document)?.get(key);
    if (cached !== undefined) return cached;
    const operation = getOperationAST(document, operationName);
    if (!operation) return 0;
    const measure = measureOperation(schema, operation, fragmentsOf(document), {
      defaultListSize: this.operationLimits.defaultListSize,
      variables,
    });
    if (!measure.usedVariables) {
      let costs = this.known.get(document);
      if (!costs) this.known.set(document, (costs = new Map<string, number>()));
      costs.set(key, measure.cost);
    }
    return measure.cost;
  }

  /**
   * Spends `cost` from the caller's bucket. Refused (and nothing spent) when the bucket does not hold it (429
   * RATE_LIMITED `cost_limit`, Retry-After), or when its variables take the operation over the largest cost any
   * operation may have (400, as the validation limit answers one whose literals do), or when a shared store could
   * not decide while failing closed (503 UNAVAILABLE `rate_limit_unavailable`, store.ts).
   */
  charge(principal: Principal, cost: number, operation: OperationDefinitionNode): CostAnswer<S, CostCharge> {
    return this.chargeNow(principal, cost, operation) as CostAnswer<S, CostCharge>;
  }

  private chargeNow(principal: Principal, cost: number, operation: OperationDefinitionNode): Decided<CostCharge> {
    const maxCost = this.operationLimits.maxCost;
    if (cost > maxCost) {
      const refusal = limitError(
        operation,
        costMessage(operation, cost, maxCost, this.operationLimits.defaultListSize),
        {
          limit: 'cost',
          maximum: maxCost,
          actual: cost,
        },
      );
      const status = this.statusNow(principal, cost);
      return isPending(status) ? status.then((paid) => ({ cost: paid, refusal })) : { cost: status, refusal };
    }
    if (!this.enabled)
      return { cost: { requestedQueryCost: cost, actualQueryCost: 0, throttleStatus: null }, refusal: null };
    const spent = this.buckets.spend(callerKey(principal), cost);
    if (!isPending(spent)) return this.charged(cost, spent);
    return spent.then(
      (decided) => this.charged(cost, decided),
      (error: unknown) => {
        // The shared store is down and failing closed: refused as undecidable (503), nothing spent.
        if (!isRateLimitStoreUnavailable(error)) throw error;
        return {
          cost: { requestedQueryCost: cost, actualQueryCost: 0, throttleStatus: null },
          refusal: rateLimitUnavailable(),
        };
      },
    );
  }

  /** The charge of `cost` once its bucket answered. */
  private charged(cost: number, spent: Spent): CostCharge {
    const charge: CostCharge = {
      cost: { requestedQueryCost: cost, actualQueryCost: 0, throttleStatus: this.throttle(spent.available) },
      refusal: null,
    };
    if (spent.paid) return charge;
    const { maximumAvailable, restoreRate } = this.limit;
    const wait = spent.retryAfterSeconds;
    charge.refusal = new GraphQLError(
      `Too many requests: the operation costs ${cost} points and ${spent.available} of ${maximumAvailable} are ` +
        `available, restoring ${restoreRate} a second; retry after ${wait} s`,
      {
        extensions: {
          code: 'RATE_LIMITED',
          reason: 'cost_limit',
          retryAfterSeconds: wait,
        },
      },
    );
    return charge;
  }

  /**
   * After a paid query ran: what its answer holds ({@link actualCost}, at least 1) is what it cost, and the rest of
   * what it paid goes back to the caller's bucket, as Shopify refunds the difference; so a list asked for with
   * `first: 100` that holds 3 rows costs 3 rows. A mutation keeps what it paid: its writes ran whatever its answer
   * shows (a refused mutation's answer may be a bare null, which must not make a burst of guesses free).
   */
  settle(principal: Principal, paid: OperationCost, data: unknown, mutation: boolean): CostAnswer<S, OperationCost> {
    const requested = paid.requestedQueryCost;
    const actualQueryCost = mutation ? requested : Math.min(requested, Math.max(1, actualCost(data)));
    if (!this.enabled || actualQueryCost === requested) return { ...paid, actualQueryCost };
    const refunded = this.buckets.refund(callerKey(principal), requested - actualQueryCost);
    const settled = (spent: Spent): OperationCost => ({
      ...paid,
      actualQueryCost,
      throttleStatus: this.throttle(spent.available),
    });
    return (isPending(refunded) ? refunded.then(settled) : settled(refunded)) as CostAnswer<S, OperationCost>;
  }

  /** The caller's bucket without spending from it (an answer that ran nothing: a malformed document). */
  status(principal: Principal, requestedQueryCost = 0): CostAnswer<S, OperationCost> {
    return this.statusNow(principal, requestedQueryCost) as CostAnswer<S, OperationCost>;
  }

  private statusNow(principal: Principal, requestedQueryCost: number): Decided<OperationCost> {
    if (!this.enabled) return { requestedQueryCost, actualQueryCost: 0, throttleStatus: null };
    const spent = this.buckets.spend(callerKey(principal), 0);
    const status = (decided: Spent): OperationCost => ({
      requestedQueryCost,
      actualQueryCost: 0,
      throttleStatus: this.throttle(decided.available),
    });
    return isPending(spent) ? spent.then(status) : status(spent);
  }

  private throttle(currentlyAvailable: number): ThrottleStatus {
    const { maximumAvailable, restoreRate } = this.limit;
    return { maximumAvailable, currentlyAvailable, restoreRate };
  }
}

function fragmentsOf(document: DocumentNode): (name: string) => FragmentDefinitionNode | undefined {
  let fragments: Map<string, FragmentDefinitionNode> | null = null;
  return (name) => {
    fragments ??= new Map(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    return fragments.get(name);
  };
}

/**
 * What a query's answer holds, by the measure its request was charged with: every field in it costs 1, every row
 * of a list counts its own fields, a null field 1. One walk of the result, without the document: the answer's keys
 * are the fields it selected.
 */
export function actualCost(data: unknown): number {
  if (!data || typeof data !== 'object') return 0;
  let cost = 0;
  for (const [key, value] of Object.entries(data)) {
    if (key === '__schema' || key === '__type') continue;
    cost += 1 + valueCost(value);
  }
  return cost;
}

function valueCost(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) {
    let cost = 0;
    // A list of scalars costs its field alone; a list of objects each row's fields.
    for (const item of value) cost += valueCost(item);
    return cost;
  }
  let cost = 0;
  for (const key in value) cost += 1 + valueCost((value as Record<string, unknown>)[key]);
  return cost;
}

/** The charge a request made, kept for its answer's `extensions.cost`: paid when it may run. */
const charges = new WeakMap<GatewayContext, { cost: OperationCost; paid: boolean; mutation: boolean }>();

/**
 * Charges every operation Apollo Server runs (HTTP, the graphql-ws server's queries and mutations, the REST
 * routes' in-process operations) once it is resolved, and puts `extensions.cost` on every answer.
 */
export function costPlugin(limits: CostLimits<BucketStore>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<GatewayContext>> {
      return {
        async didResolveOperation({ contextValue, schema, document, operationName, operation, request }) {
          const principal = contextValue.principal;
          // Subscriptions are charged by the graphql-ws server, which runs them; over plain HTTP they are refused.
          if (!principal || !operation || operation.operation === 'subscription') return;
          const cost = limits.costOf(schema, document, operationName, request.variables);
          const charging = limits.charge(principal, cost, operation);
          // Awaited only when the store answers later (Redis): the memory path stays on this turn.
          const charge = isPending(charging) ? await charging : charging;
          const mutation = operation.operation === 'mutation';
          charges.set(contextValue, { cost: charge.cost, paid: !charge.refusal, mutation });
          if (charge.refusal) throw overHttp(charge.refusal);
        },
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single' || !contextValue.principal) return;
          const result = response.body.singleResult;
          const charge = charges.get(contextValue);
          // A request refused before it was resolved (a malformed document), or for its cost, spent nothing, but
          // says where it stands.
          const answer = !charge
            ? limits.status(contextValue.principal)
            : charge.paid
              ? limits.settle(contextValue.principal, charge.cost, result.data, charge.mutation)
              : charge.cost;
          const cost = isPending(answer) ? await answer : answer;
          // Set, not merged: an answer shared with an identical request in flight carries the first one's.
          result.extensions = { ...result.extensions, cost };
        },
      };
    },
  };
}

/** A refusal with its HTTP status (and Retry-After) for Apollo Server, which takes them from `extensions.http`. */
function overHttp(refusal: GraphQLError): GraphQLError {
  const wait = refusal.extensions.retryAfterSeconds;
  // 503 for a charge the shared store could not decide (failing closed), 429 for the budget, 400 for the cost.
  const status = refusal.extensions.code === 'UNAVAILABLE' ? 503 : 429;
  const http =
    typeof wait === 'number'
      ? { status, headers: new HeaderMap([['retry-after', String(wait)]]) }
      : { status: 400, headers: new HeaderMap() };
  return new GraphQLError(refusal.message, { nodes: refusal.nodes, extensions: { ...refusal.extensions, http } });
}

/**
 * The RateLimit-Policy and RateLimit headers (IETF httpapi-ratelimit-headers) of a REST answer, from its operation's
 * `extensions.cost`: the cost policy as `maximumAvailable` points over the seconds an empty bucket takes to refill,
 * what is left of it, and the seconds until it is full again.
 */
export function setRateLimitHeaders(res: Response, cost: OperationCost | undefined): void {
  const status = cost?.throttleStatus;
  if (!status) return;
  const { maximumAvailable, currentlyAvailable, restoreRate } = status;
  const window = Math.ceil(maximumAvailable / restoreRate);
  const full = Math.ceil((maximumAvailable - currentlyAvailable) / restoreRate);
  res.setHeader('RateLimit-Policy', `"cost";q=${maximumAvailable};w=${window}`);
  res.setHeader('RateLimit', `"cost";r=${currentlyAvailable};t=${full}`);
}
