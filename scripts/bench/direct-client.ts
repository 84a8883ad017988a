/**
 * The federated query of the queries part, the gateway's plan for it, and the direct client: the subgraph
 * operations of that plan sent straight to the subgraphs, each of its requests doing what a client would have to
 * do: the root fetch, building the entity representations, the entity fetches (in parallel when the plan runs them
 * in parallel) and merging the results into the same JSON the gateway returns.
 */
import { SubgraphPools } from './direct-subgraphs';
import { type PlannerModules, loadPlanner, planFetches } from './query-plan';

export const QUERY =
  'query Bench { locations(first: 10) { nodes { id name orders { nodes { id total { amountMinor } payments(first: 5) { nodes { id amount { amountMinor } } } } } checks { nodes { posRef total { amountMinor } } } } } }';
export const OPERATION_NAME = 'Bench';

interface SubgraphOperation {
  query: string;
  operationName: string;
}

/** The three fetches the gateway sends for QUERY, and whether the two entity fetches run in parallel. */
export interface DirectPlan {
  orders: SubgraphOperation;
  checks: SubgraphOperation;
  payments: SubgraphOperation;
  parallel: boolean;
  source: 'query planner' | 'hand-written copy';
}

/** What @apollo/query-planner 2.14.4 produces for QUERY; used only if the planner cannot be loaded. */
const HAND_WRITTEN_PLAN: DirectPlan = {
  orders: {
    operationName: 'Bench__orders__0',
    query:
      'query Bench__orders__0{locations(first:10){nodes{__typename id name orders{nodes{__typename id total{amountMinor}}}}}}',
  },
  checks: {
    operationName: 'Bench__checks__1',
    query:
      'query Bench__checks__1($representations:[_Any!]!){_entities(representations:$representations){...on Location{checks{nodes{posRef total{amountMinor}}}}}}',
  },
  payments: {
    operationName: 'Bench__payments__2',
    query:
      'query Bench__payments__2($representations:[_Any!]!){_entities(representations:$representations){...on Order{payments{nodes{id amount{amountMinor}}}}}}',
  },
  parallel: true,
  source: 'hand-written copy',
};

/**
 * Plans QUERY with the gateway's own planner and checks the plan has the shape the direct client implements:
 * orders first, then checks `_entities` for the locations and payments `_entities` for their orders.
 */
export function gatewayPlan(supergraphSdl: string): DirectPlan {
  let planner: PlannerModules;
  try {
    planner = loadPlanner();
  } catch (error) {
    console.warn(`Could not load the gateway's query planner (${String(error)}); using the hand-written plan.`);
    return HAND_WRITTEN_PLAN;
  }
  const fetches = planFetches(planner, supergraphSdl, QUERY);
  const shape = fetches.map((f) => `${f.service}@${f.path}`).sort();
  const expected = ['checks@locations.nodes.@', 'orders@(root)', 'payments@locations.nodes.@.orders.nodes.@'];
  if (fetches.length !== 3 || shape.join() !== expected.join() || fetches[0].service !== 'orders') {
    throw new Error(
      `the gateway's plan changed (${shape.join(', ')}): update the direct client in scripts/bench/direct-client.ts`,
    );
  }
  const find = (service: string) => fetches.find((f) => f.service === service)!;
  const op = (service: string) => ({ query: find(service).query, operationName: find(service).operationName });
  return {
    orders: op('orders'),
    checks: op('checks'),
    payments: op('payments'),
    parallel: find('checks').inParallel && find('payments').inParallel,
    source: 'query planner',
  };
}

interface RootData {
  locations: {
    nodes: Array<{
      __typename: string;
      id: string;
      name: string;
      orders: { nodes: Array<{ __typename: string; id: string; total: { amountMinor: number } }> };
    }>;
  };
}
interface ChecksData {
  _entities: Array<{ checks: { nodes: Array<{ posRef: string; total: { amountMinor: number } }> } } | null>;
}
interface PaymentsData {
  _entities: Array<{ payments: { nodes: Array<{ id: string; amount: { amountMinor: number } }> } } | null>;
}

/** The result of QUERY, as the gateway returns it. */
export interface BenchData {
  locations: {
    nodes: Array<{
      id: string;
      name: string;
      orders: {
        nodes: Array<{
          id: string;
          total: { amountMinor: number };
          payments: { nodes: Array<{ id: string; amount: { amountMinor: number } }> };
        }>;
      };
      checks: { nodes: Array<{ posRef: string; total: { amountMinor: number } }> };
    }>;
  };
}

export class DirectClient {
  private readonly subgraphs: SubgraphPools;
  private readonly rootBody: string;

  constructor(
    urls: Record<string, string>,
    private readonly plan: DirectPlan,
    contextToken: string,
    connections: number,
  ) {
    this.subgraphs = new SubgraphPools(urls, ['orders', 'checks', 'payments'], contextToken, connections);
    this.rootBody = JSON.stringify({ query: plan.orders.query, operationName: plan.orders.operationName });
  }

  private entitiesBody(op: SubgraphOperation, representations: Array<{ __typename: string; id: string }>): string {
    return JSON.stringify({ query: op.query, operationName: op.operationName, variables: { representations } });
  }

  /** One client request: the root fetch, then the entity fetches built from it, merged into QUERY's result. */
  async fetch(): Promise<BenchData> {
    const root = await this.subgraphs.post<RootData>('orders', this.rootBody);
    const locationReps = root.locations.nodes.map((l) => ({ __typename: l.__typename, id: l.id }));
    const orderReps = root.locations.nodes.flatMap((l) =>
      l.orders.nodes.map((o) => ({ __typename: o.__typename, id: o.id })),
    );
    const checks = () =>
      locationReps.length
        ? this.subgraphs.post<ChecksData>('checks', this.entitiesBody(this.plan.checks, locationReps))
        : Promise.resolve<ChecksData>({ _entities: [] });
    const payments = () =>
      orderReps.length
        ? this.subgraphs.post<PaymentsData>('payments', this.entitiesBody(this.plan.payments, orderReps))
        : Promise.resolve<PaymentsData>({ _entities: [] });
    const [checked, paid] = this.plan.parallel
      ? await Promise.all([checks(), payments()])
      : [await checks(), await payments()];
    if (checked._entities.length !== locationReps.length || paid._entities.length !== orderReps.length) {
      throw new Error('an _entities answer does not match its representations');
    }
    let orderIndex = 0;
    return {
      locations: {
        nodes: root.locations.nodes.map((location, i) => ({
          id: location.id,
          name: location.name,
          orders: {
            nodes: location.orders.nodes.map((order) => ({
              id: order.id,
              total: order.total,
              payments: paid._entities[orderIndex++]?.payments ?? { nodes: [] },
            })),
          },
          checks: checked._entities[i]?.checks ?? { nodes: [] },
        })),
      },
    };
  }

  async destroy(): Promise<void> {
    await this.subgraphs.destroy();
  }
}
