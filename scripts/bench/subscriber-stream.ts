/**
 * The payment stream the subscribers receive the events of: orders opened beforehand, then paid through the
 * gateway's createPayment mutation at a steady rate.
 */
import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { call, graphqlData, postGraphql } from './http';
import { aborted, inBatches, sleep } from './load';
import { SUB_LOCATIONS } from './subscriber-selections';

/** Payments in flight at once at most: the stream is open-loop (one every 1/rate s) unless the system falls behind. */
export const SUB_MAX_PAYMENTS_IN_FLIGHT = 8;

export interface StreamOrder {
  id: string;
  locationId: string;
  totalMinor: number;
}

export interface StreamPayment {
  id: string;
  locationId: string;
  status: string;
}

const SUB_CREATE_ORDER =
  'mutation BenchStreamOrder($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }';
const SUB_CREATE_PAYMENT =
  'mutation BenchStreamPayment($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }';

/** Opens `count` orders (locations 1 and 2 in turn) for the stream to pay, one payment each, before the clock runs. */
export async function streamOrders(pool: Pool, token: string, count: number): Promise<StreamOrder[]> {
  const orders: StreamOrder[] = new Array<StreamOrder>(count);
  await inBatches(count, 4, async (i) => {
    const locationId = SUB_LOCATIONS[i % SUB_LOCATIONS.length];
    const totalMinor = 1000 + (i % 50);
    const data = await postGraphql(pool, token, SUB_CREATE_ORDER, {
      input: { locationId, currency: 'USD', totalMinor },
    });
    orders[i] = { id: (data.createOrder as { order: { id: string } }).order.id, locationId, totalMinor };
  });
  return orders;
}

/**
 * Pays `orders` at `rate` a second through the gateway's createPayment mutation, open-loop: payment i is sent at
 * start + i / rate whatever the answers of the others (SUB_MAX_PAYMENTS_IN_FLIGHT at most, so an overloaded
 * system slows the stream rather than piling requests up). Any failure is counted and fails the run.
 */
export async function paymentStream(
  pool: Pool,
  token: string,
  orders: StreamOrder[],
  rate: number,
): Promise<{ payments: StreamPayment[]; failures: number; firstError: string | null; seconds: number }> {
  const payments: StreamPayment[] = [];
  let failures = 0;
  let firstError: string | null = null;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let lastSent = started;
  for (const [i, order] of orders.entries()) {
    aborted.signal.throwIfAborted();
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= SUB_MAX_PAYMENTS_IN_FLIGHT) await Promise.race(inFlight);
    lastSent = performance.now();
    const body = JSON.stringify({
      query: SUB_CREATE_PAYMENT,
      variables: {
        input: { orderId: order.id, amountMinor: order.totalMinor, currency: 'USD', cardToken: 'tok_visa' },
      },
    });
    const pay = (async () => {
      try {
        const data = graphqlData(await call(pool, 'POST', '/graphql', token, body));
        const payment = (data.createPayment as { payment: { id: string; status: string } }).payment;
        if (payment.status !== 'APPROVED') throw new Error(`payment ${payment.id} is ${payment.status}`);
        payments.push({ id: payment.id, locationId: order.locationId, status: payment.status });
      } catch (error) {
        failures++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    })().finally(() => inFlight.delete(pay));
    inFlight.add(pay);
  }
  await Promise.all(inFlight);
  // The stream's length: from the first send to one interval after the last (n payments at `rate` take n / rate s).
  return { payments, failures, firstError, seconds: (lastSent - started) / 1000 + 1 / rate };
}
