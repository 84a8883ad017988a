/**
 * The direct client of the peer part's wide read: the gateway's overhead is the wide read through our gateway
 * against the same subgraph requests sent directly.
 */
import { SubgraphPools } from './direct-subgraphs';
import { WIDE_SELECTIONS, wideFields, wideRead } from './peer-operations';
import { type PlannedFetch, loadPlanner, planFetches } from './query-plan';
import { CONNECTIONS } from './settings';
import type { System } from './system';

const WIDE_PLAN = [
  'orders@(root)',
  'checks@location.orders.nodes.@',
  'payments@location.orders.nodes.@',
  'loyalty@location.orders.nodes.@',
  'orders@location.orders.nodes.@.checks.@.location',
];

type Row = Record<string, unknown>;
/** The row's values of these selections, by field name (`total { amountMinor }` is the field `total`). */
const pick = (row: Row, fields: string[]) =>
  Object.fromEntries(fields.map((f) => f.split(/[\s{(]/)[0]).map((name) => [name, row[name]]));

/**
 * Sends the wide read's subgraph operations (its plan's, from our gateway's planner) straight to the subgraphs, one
 * after another, and merges the answers into the client's result, as a client without a gateway would. Entity
 * representations de-duplicated, as our gateway sends them.
 */
export class DirectWide {
  private readonly subgraphs: SubgraphPools;
  private readonly plans: Array<Record<string, PlannedFetch>>;

  constructor(sys: System, contextToken: string) {
    this.subgraphs = new SubgraphPools(
      sys.urls,
      ['orders', 'checks', 'payments', 'loyalty'],
      contextToken,
      CONNECTIONS,
    );
    const planner = loadPlanner();
    this.plans = Array.from({ length: WIDE_SELECTIONS }, (_, s) => {
      const fetches = new Map(
        planFetches(planner, sys.supergraphSdl, wideRead(s)).map((f) => [`${f.service}@${f.path}`, f]),
      );
      const shape = [...fetches.keys()].sort();
      if (shape.join() !== [...WIDE_PLAN].sort().join()) {
        throw new Error(
          `the wide read's plan changed (${shape.join(', ')}): update DirectWide in scripts/bench/peer-direct.ts`,
        );
      }
      return Object.fromEntries(WIDE_PLAN.map((key) => [key, fetches.get(key)!]));
    });
  }

  private async post<T>(fetch: PlannedFetch, variables: Record<string, unknown>): Promise<T> {
    return this.subgraphs.post<T>(
      fetch.service,
      JSON.stringify({ query: fetch.query, operationName: fetch.operationName, variables }),
    );
  }

  async fetch(locationId: string, s: number): Promise<unknown> {
    const plan = this.plans[s];
    const f = wideFields(s);
    const root = await this.post<{ location: (Row & { orders: { nodes: Row[] } }) | null }>(plan['orders@(root)'], {
      id: locationId,
    });
    if (!root.location) return { location: null };
    const orders = root.location.orders.nodes;
    const orderReps = unique(orders.map((o) => ({ __typename: 'Order', id: o.id as string })));
    const entities = async (key: string, representations: Array<{ __typename: string; id: string }>) =>
      representations.length
        ? (await this.post<{ _entities: Array<Row | null> }>(plan[key], { representations }))._entities
        : [];
    const checks = await entities('checks@location.orders.nodes.@', orderReps.list);
    const payments = await entities('payments@location.orders.nodes.@', orderReps.list);
    const loyalty = await entities('loyalty@location.orders.nodes.@', orderReps.list);
    const checkRows = checks.flatMap((e) => (e?.checks as Row[] | undefined) ?? []);
    const locationReps = unique(
      checkRows.map((c) => ({ __typename: 'Location', id: (c.location as { id: string }).id })),
    );
    const locations = await entities('orders@location.orders.nodes.@.checks.@.location', locationReps.list);
    return {
      location: {
        id: root.location.id,
        name: root.location.name,
        orders: {
          nodes: orders.map((o) => {
            const i = orderReps.index.get(o.id as string)!;
            return {
              ...pick(o, f.order),
              checks: ((checks[i]?.checks as Row[] | undefined) ?? []).map((c) => ({
                ...pick(c, f.check),
                location: pick(locations[locationReps.index.get((c.location as { id: string }).id)!] ?? {}, ['name']),
              })),
              payments: {
                nodes: ((payments[i]?.payments as { nodes: Row[] } | undefined)?.nodes ?? []).map((p) =>
                  pick(p, f.payment),
                ),
              },
              loyaltyTransactions: {
                nodes: ((loyalty[i]?.loyaltyTransactions as { nodes: Row[] } | undefined)?.nodes ?? []).map((t) =>
                  pick(t, f.loyalty),
                ),
              },
            };
          }),
        },
      },
    };
  }

  async destroy(): Promise<void> {
    await this.subgraphs.destroy();
  }
}

function unique(reps: Array<{ __typename: string; id: string }>) {
  const index = new Map<string, number>();
  const list: Array<{ __typename: string; id: string }> = [];
  for (const rep of reps) {
    if (!index.has(rep.id)) {
      index.set(rep.id, list.length);
      list.push(rep);
    }
  }
  return { list, index };
}
