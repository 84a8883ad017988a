/**
 * The operations the peer part sends every gateway: a small read (one order and its payments: orders, then
 * payments), a wide read (a location's 10 orders with their checks and the checks' location, payments and loyalty
 * transactions: 50 entities from all four subgraphs, orders again last for the location's name) and a mutation
 * (createOrder, then the new order's payments, checks and loyalty transactions); and a target, one gateway as the
 * part sends to it.
 */
import type { Pool } from 'undici';

/** A gateway the peer part measures: ours (with the demo partner's Bearer token) or a peer (no credential). */
export interface Target {
  name: string;
  pool: Pool;
  pid: number;
  headers: Record<string, string>;
}

/** A GraphQL request body to the target's /graphql, and its answer as it came. */
export async function answer(target: Target, body: string): Promise<{ status: number; text: string }> {
  const response = await target.pool.request({
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

export const SMALL_READ =
  'query BenchSmallRead($id: ID!) { order(id: $id) { id number status total { amountMinor } payments { nodes { id amountCents status } } } }';

/** The wide read's selections: each asks for a few more or fewer fields of each subgraph. */
export const WIDE_SELECTIONS = 8;

/** The fields of each subgraph the wide read's selection s (0 to 7) asks for. */
export function wideFields(s: number) {
  return {
    order: ['id', 'number', 'total { amountMinor }', ...(s & 1 ? ['status'] : [])],
    check: ['posRef', 'total { amountMinor }', ...(s & 2 ? ['orderNumber'] : [])],
    payment: ['id', 'amountCents', 'status', ...(s & 4 ? ['currency'] : [])],
    loyalty: ['id', 'delta', 'balanceAfter', ...(s & 1 ? ['kind'] : [])],
  };
}

export function wideRead(s: number): string {
  const f = wideFields(s);
  return (
    `query BenchWideRead($id: ID!) { location(id: $id) { id name orders { nodes { ${f.order.join(' ')} ` +
    `checks { ${f.check.join(' ')} location { name } } payments { nodes { ${f.payment.join(' ')} } } ` +
    `loyaltyTransactions { nodes { ${f.loyalty.join(' ')} } } } } } }`
  );
}

export const CREATE_ORDER =
  'mutation BenchCreateOrder($input: CreateOrderInput!) { createOrder(input: $input) { order { id number status ' +
  'total { amountMinor } payments { nodes { id } } checks { posRef } loyaltyTransactions { nodes { id } } } } }';
