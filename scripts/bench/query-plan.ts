/**
 * Our gateway's own query planner (resolved from the gateway package, whose dependency it is), so that the direct
 * clients send the subgraphs exactly the operations the gateway would: they are checked against the plan's shape
 * and fail the bench when it changes.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../launcher';

/** A node of @apollo/gateway's query plan, as much of it as the bench reads. */
export interface PlanNode {
  kind: string;
  nodes?: PlanNode[];
  node?: PlanNode;
  path?: Array<string | number>;
  serviceName?: string;
  operation?: string;
  operationName?: string;
}

export interface PlannerModules {
  queryPlanner: {
    QueryPlanner: new (supergraph: unknown) => { buildQueryPlan(operation: unknown): { node?: PlanNode } };
  };
  internals: {
    Supergraph: { build(sdl: string): { apiSchema(): unknown } };
    operationFromDocument(schema: unknown, document: unknown): unknown;
  };
  graphql: { parse(source: string): unknown };
}

/** The planner's modules, from the gateway's dependencies; throws when they cannot be loaded. */
export function loadPlanner(): PlannerModules {
  const gatewayRequire = createRequire(path.join(ROOT, 'gateway/package.json'));
  return {
    queryPlanner: gatewayRequire('@apollo/query-planner') as PlannerModules['queryPlanner'],
    internals: gatewayRequire('@apollo/federation-internals') as PlannerModules['internals'],
    graphql: gatewayRequire('graphql') as PlannerModules['graphql'],
  };
}

/** One subgraph fetch of a plan. */
export interface PlannedFetch {
  service: string;
  /** Where its result goes in the response, e.g. `locations.nodes.@`; `(root)` for the first fetch. */
  path: string;
  query: string;
  operationName: string;
  /** Whether it runs in parallel with others (under a Parallel node). */
  inParallel: boolean;
}

/** The subgraph fetches of the gateway's plan for `query`, in plan order. */
export function planFetches(planner: PlannerModules, supergraphSdl: string, query: string): PlannedFetch[] {
  const supergraph = planner.internals.Supergraph.build(supergraphSdl);
  const operation = planner.internals.operationFromDocument(supergraph.apiSchema(), planner.graphql.parse(query));
  const plan = new planner.queryPlanner.QueryPlanner(supergraph).buildQueryPlan(operation);
  const fetches: PlannedFetch[] = [];
  const walk = (node: PlanNode | undefined, at: string, inParallel: boolean): void => {
    if (!node) return;
    if (node.kind === 'Fetch') {
      fetches.push({
        service: node.serviceName ?? '',
        path: at || '(root)',
        query: node.operation ?? '',
        operationName: node.operationName ?? '',
        inParallel,
      });
    } else if (node.kind === 'Flatten') {
      walk(node.node, (node.path ?? []).join('.'), inParallel);
    } else if (node.kind === 'Sequence' || node.kind === 'Parallel') {
      for (const child of node.nodes ?? []) walk(child, at, inParallel || node.kind === 'Parallel');
    } else {
      throw new Error(`unexpected ${node.kind} node in the query plan`);
    }
  };
  walk(plan.node, '', false);
  return fetches;
}
