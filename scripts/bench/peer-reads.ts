/**
 * The peer part's reads: the small and the wide read, each "identical" (every request the same: a dashboard's
 * pattern) and "varied" (the small read over every order, the wide read over every location x 8 selections). Every
 * target must give the same data for every read before anything is measured (and the direct client the wide read's);
 * each then has to give its own answer again, byte for byte, on every request of the run.
 */
import { type GraphQLResponse, canonical } from './http';
import type { PeerData } from './peer-data';
import type { DirectWide } from './peer-direct';
import { SMALL_READ, type Target, WIDE_SELECTIONS, answer, wideRead } from './peer-operations';
import type { GatewaySide } from './sides';

export type Pattern = 'identical' | 'varied';

/** The request bodies of each read and pattern. */
function readVariants(data: PeerData): Record<string, Record<Pattern, string[]>> {
  const locations = data.locationIds.length;
  const allOrders = data.orders.flat();
  return {
    'small read': {
      identical: [JSON.stringify({ query: SMALL_READ, variables: { id: allOrders[0] } })],
      varied: allOrders.map((id) => JSON.stringify({ query: SMALL_READ, variables: { id } })),
    },
    'wide read': {
      identical: [JSON.stringify({ query: wideRead(0), variables: { id: data.locationIds[0] } })],
      varied: Array.from({ length: locations * WIDE_SELECTIONS }, (_, v) =>
        JSON.stringify({
          query: wideRead(Math.floor(v / locations)),
          variables: { id: data.locationIds[v % locations] },
        }),
      ),
    },
  };
}

/**
 * Checks every target's answers to every read against each other (and the direct client's wide reads against
 * ours), then gives a side per target, read and pattern that expects its answers again, the direct client's side,
 * and how many entities the wide read returns.
 */
export async function prepareReads(targets: Target[], data: PeerData, direct: DirectWide, perLocation: number) {
  const reads = readVariants(data);
  const locations = data.locationIds.length;
  const expected = new Map<string, string[]>();
  for (const [op, patterns] of Object.entries(reads)) {
    for (const [pattern, bodies] of Object.entries(patterns)) {
      const texts = new Map<string, string[]>(targets.map((t) => [t.name, []]));
      for (const body of bodies) {
        let reference: string | null = null;
        for (const target of targets) {
          const got = await answer(target, body);
          const json = JSON.parse(got.text) as GraphQLResponse<unknown>;
          if (got.status !== 200 || json.errors?.length || !json.data) {
            throw new Error(`${target.name} answered the ${op} with HTTP ${got.status}: ${got.text.slice(0, 400)}`);
          }
          const same = canonical(json.data);
          reference ??= same;
          if (same !== reference) {
            throw new Error(
              `${target.name} answered the ${op} differently: ${same.slice(0, 300)} vs ${reference.slice(0, 300)}`,
            );
          }
          texts.get(target.name)!.push(got.text);
        }
      }
      for (const [name, list] of texts) expected.set(`${op}|${pattern}|${name}`, list);
    }
  }
  // The direct client must give the wide read's data too.
  for (let v = 0; v < locations * WIDE_SELECTIONS; v++) {
    const viaDirect = canonical(await direct.fetch(data.locationIds[v % locations], Math.floor(v / locations)));
    const viaGateway = canonical(
      (JSON.parse(expected.get('wide read|varied|ours')![v]) as GraphQLResponse<unknown>).data,
    );
    if (viaDirect !== viaGateway) {
      throw new Error(
        `the direct client's wide read differs: ${viaDirect.slice(0, 300)} vs ${viaGateway.slice(0, 300)}`,
      );
    }
  }
  const wide = JSON.parse(expected.get('wide read|identical|ours')![0]) as {
    data: {
      location: {
        orders: {
          nodes: Array<{
            checks: unknown[];
            payments: { nodes: unknown[] };
            loyaltyTransactions: { nodes: unknown[] };
          }>;
        };
      };
    };
  };
  const orders = wide.data.location.orders.nodes;
  const entities =
    orders.length +
    orders.reduce((n, o) => n + o.checks.length + o.payments.nodes.length + o.loyaltyTransactions.nodes.length, 0);
  if (entities < 4 * perLocation) throw new Error(`the wide read returned only ${entities} entities`);

  const readSide = (target: Target, op: string, pattern: Pattern): GatewaySide => {
    const bodies = reads[op][pattern];
    const wanted = expected.get(`${op}|${pattern}|${target.name}`)!;
    return {
      target: target.name,
      gatewayPid: target.pid,
      send: async (n) => {
        const v = n % bodies.length;
        const got = await answer(target, bodies[v]);
        if (got.text !== wanted[v]) throw new Error(`HTTP ${got.status}: ${got.text.slice(0, 300)}`);
      },
    };
  };
  const directSide: GatewaySide = {
    target: 'direct',
    gatewayPid: null,
    send: async (n) => {
      const v = n % (locations * WIDE_SELECTIONS);
      await direct.fetch(data.locationIds[v % locations], Math.floor(v / locations));
    },
  };
  return { readSide, directSide, entities };
}
