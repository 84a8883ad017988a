/** The data the peer part reads: locations of its own, each with orders, checks, payments and loyalty earns. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Pool } from 'undici';
import { LOYALTY_CUSTOMERS, LOYALTY_ORG, SEED_ORDER, SEED_PAYMENT, openBenchCheck } from './demo-data';
import { call, postGraphql } from './http';
import { inBatches } from './load';
import type { System } from './system';

export interface PeerData {
  locationIds: string[];
  /** Order ids by location, in creation order. */
  orders: string[][];
}

/**
 * `locations` locations of the demo partner (rows in the orders subgraph's table: there is no mutation for them),
 * each with `ordersPerLocation` orders; every order has a check at its location, two payments and one loyalty earn
 * whose external id is the order's id. Made through our gateway (and the REST earn webhook).
 */
export async function seed(sys: System, pool: Pool, locations: number, ordersPerLocation: number): Promise<PeerData> {
  const run = randomUUID().slice(0, 8);
  const client = new pg.Client({ connectionString: sys.databaseUrl });
  await client.connect();
  const locationIds: string[] = [];
  try {
    // The demo locations are seeded with their ids given, so the sequence may still stand behind them.
    await client.query(
      `select setval(pg_get_serial_sequence('orders.location', 'id'), (select max(id) from orders.location))`,
    );
    for (let i = 0; i < locations; i++) {
      const { rows } = await client.query<{ id: number }>(
        `insert into orders.location (tenant_id, name, timezone, created_at) values ('demo', $1, 'America/New_York', now()) returning id`,
        [`Bench peer ${run} ${i + 1}`],
      );
      locationIds.push(String(rows[0].id));
    }
  } finally {
    await client.end();
  }
  const orders: string[][] = locationIds.map(() => []);
  const one = async (l: number, k: number) => {
    const total = 2000 + 200 * k;
    const { createOrder } = (await postGraphql(pool, sys.token, SEED_ORDER, {
      input: { locationId: locationIds[l], currency: 'USD', totalMinor: total, externalReference: `PEER-${k}` },
    })) as { createOrder: { order: { id: string } } };
    const orderId = createOrder.order.id;
    await openBenchCheck(pool, sys.token, {
      locationId: locationIds[l],
      posRef: `peer-${run}-${l}-${k}`,
      orderNumber: `P${k + 1}`,
      orderId,
    });
    for (let p = 0; p < 2; p++) {
      await postGraphql(pool, sys.token, SEED_PAYMENT, {
        input: { orderId, amountMinor: total / 2, currency: 'USD', cardToken: 'tok_visa' },
      });
    }
    const earn = await call(
      pool,
      'POST',
      '/webhook/pos',
      { apiKey: LOYALTY_ORG.apiKey },
      JSON.stringify({
        customer_code: Number(LOYALTY_CUSTOMERS[k % LOYALTY_CUSTOMERS.length]),
        amount: total / 100,
        card_type: 'point',
        external_id: orderId,
      }),
    );
    if (earn.status !== 200) throw new Error(`earn for order ${orderId}: HTTP ${earn.status} ${earn.text}`);
    orders[l][k] = orderId;
  };
  const jobs = locationIds.flatMap((_, l) => Array.from({ length: ordersPerLocation }, (_unused, k) => [l, k]));
  await inBatches(jobs.length, 8, async (i) => {
    const [l, k] = jobs[i];
    await one(l, k);
  });
  return { locationIds, orders };
}
