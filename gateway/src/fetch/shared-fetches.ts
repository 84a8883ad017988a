import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { principalScopeKey } from '@pos/kit';
import { type GatewayContext, fetchContextOf } from '../context';

type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** A deep copy of a JSON value (subgraph answers are JSON). */
const copy = <T>(value: T): T =>
  value === null || typeof value !== 'object' ? value : (JSON.parse(JSON.stringify(value)) as T);

type Representation = Record<string, unknown>;
type GraphQLError = NonNullable<GatewayGraphQLResponse['errors']>[number];

/**
 * Representations sent once each: the plan executor sends one per entity it reaches (a location's ten checks ask
 * for their one location ten times), which the subgraph would resolve ten times. `positions[i]` is the unique
 * representation the i-th original one became.
 */
export function dedupeRepresentations(representations: Representation[]): {
  unique: Representation[];
  positions: number[];
} {
  const seen = new Map<string, number>();
  const unique: Representation[] = [];
  const positions = new Array<number>(representations.length);
  for (let i = 0; i < representations.length; i++) {
    // The executor builds every representation of one fetch from the same selection, so equal ones print equally.
    const key = JSON.stringify(representations[i]);
    let at = seen.get(key);
    if (at === undefined) {
      at = unique.length;
      seen.set(key, at);
      unique.push(representations[i]);
    }
    positions[i] = at;
  }
  return { unique, positions };
}

/**
 * The answer to the original representations from the answer to the unique ones: each entity where its
 * representation was (a copy where it repeats, since the executor merges into what it gets), and each error about
 * `_entities.<u>` once per original position of u.
 */
export function expandEntities(response: GatewayGraphQLResponse, positions: number[]): GatewayGraphQLResponse {
  const entities = (response.data as { _entities?: unknown[] } | null | undefined)?._entities;
  let data = response.data;
  if (Array.isArray(entities)) {
    const used = new Uint8Array(entities.length);
    const expanded = positions.map((u) => {
      if (used[u]) return copy(entities[u]);
      used[u] = 1;
      return entities[u];
    });
    data = { ...response.data, _entities: expanded };
  }
  let errors = response.errors;
  if (errors?.length) {
    const originals = new Map<number, number[]>();
    positions.forEach((u, i) => {
      const list = originals.get(u);
      if (list) list.push(i);
      else originals.set(u, [i]);
    });
    errors = errors.flatMap((error): GraphQLError[] => {
      const path = error.path;
      if (!path || path[0] !== '_entities' || typeof path[1] !== 'number') return [error];
      return (originals.get(path[1]) ?? []).map((i) => ({ ...error, path: ['_entities', i, ...path.slice(2)] }));
    });
  }
  return { ...response, data, errors };
}

/**
 * Whether a subgraph fetch only reads: a query of a query, or of a subscription's event (subscriptions/federated/
 * runs an event's plan through the executor); never a mutation, nor any fetch of a mutation's plan.
 */
function isRead(options: GraphQLDataSourceProcessOptions<GatewayContext>, query: string): boolean {
  if (!/^\s*(query\b|\{)/.test(query)) return false;
  if (!('incomingRequestContext' in options)) return false;
  const type = options.incomingRequestContext.operation?.operation;
  return type === 'query' || type === 'subscription';
}

interface InFlight {
  answer: Promise<GatewayGraphQLResponse>;
  /** Callers waiting on it beyond the first: when there are any, each gets its own copy. */
  joined: number;
}

/**
 * A subgraph as the query plan executor sees it, in front of the data source that sends the fetches:
 *
 * - entity fetches send each distinct representation once, and the answers are spread back over the originals;
 * - identical reads in flight at once share one request: same subgraph, same caller scope (the signed context is
 *   the same), same operation and variables; queries only, never a mutation nor the fetches that follow one in its
 *   plan. Each caller gets its own copy (the executor writes into its answer), and nothing is kept once answered,
 *   so this is no cache: a read joins a fetch that is already under way, and so may be answered as the subgraph
 *   stood up to one fetch's time before it arrived (a dashboard's identical polls are the pattern this is for).
 */
export class SharedSubgraphFetches implements GraphQLDataSource<GatewayContext> {
  private readonly inFlight = new Map<string, InFlight>();
  /** Fetches answered by joining one in flight, and representations not sent, since start (for the metrics). */
  joined = 0;
  representationsSaved = 0;

  constructor(
    readonly name: string,
    private readonly source: GraphQLDataSource<GatewayContext>,
    private readonly options: { coalesce: boolean; dedupe: boolean } = { coalesce: true, dedupe: true },
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const representations: unknown = request.variables?.representations;
    let positions: number[] | null = null;
    let sent = options;
    if (this.options.dedupe && Array.isArray(representations) && representations.length > 1) {
      const deduped = dedupeRepresentations(representations as Representation[]);
      if (deduped.unique.length < representations.length) {
        this.representationsSaved += representations.length - deduped.unique.length;
        positions = deduped.positions;
        sent = {
          ...options,
          request: { ...request, variables: { ...request.variables, representations: deduped.unique } },
        };
      }
    }
    const response = await this.send(sent);
    return positions ? expandEntities(response, positions) : response;
  }

  private async send(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { query, variables } = options.request;
    const principal = fetchContextOf(options).principal;
    if (!this.options.coalesce || !query || !principal || !isRead(options, query)) return this.source.process(options);
    const key = `${principalScopeKey(principal)}\u0000${query}\u0000${variables ? JSON.stringify(variables) : ''}`;
    const pending = this.inFlight.get(key);
    if (pending) {
      pending.joined++;
      this.joined++;
      return copy(await pending.answer);
    }
    const entry: InFlight = {
      answer: this.source.process(options).finally(() => this.inFlight.delete(key)),
      joined: 0,
    };
    this.inFlight.set(key, entry);
    const answer = await entry.answer;
    // Others got or will get copies; this caller may keep the original only if nobody else has it.
    return entry.joined ? copy(answer) : answer;
  }
}
