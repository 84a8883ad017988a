import type { Stack } from './stack';

export interface PaidOrder {
  orderId: string;
  orderNumber: string;
  paymentId: string;
}

/**
 * A new order at `locationId` paid in full by card through the gateway's GraphQL (approved unless `cardToken` is
 * one of the sandbox's declining tokens). Its `payment.approved` event is committed when this returns.
 */
export async function payOrder(
  stack: Stack,
  token: string,
  { amountCents = 1500, locationId = '1', cardToken = 'tok_visa' } = {},
): Promise<PaidOrder> {
  const order = await stack.graphql(
    `mutation($loc: ID!, $total: Int!) { createOrder(input: { locationId: $loc, currency: "USD", totalMinor: $total }) { order { id number } } }`,
    { loc: locationId, total: amountCents },
    token,
  );
  if (order.body.errors) throw new Error(`createOrder failed: ${JSON.stringify(order.body.errors)}`);
  const { id: orderId, number: orderNumber } = order.body.data!.createOrder.order;
  const payment = await stack.graphql(
    `mutation($id: ID!, $amount: Int!, $card: String!) { createPayment(input: { orderId: $id, amountMinor: $amount, currency: "USD", cardToken: $card }) { payment { id } } }`,
    { id: orderId, amount: amountCents, card: cardToken },
    token,
  );
  if (payment.body.errors || !payment.body.data!.createPayment.payment) {
    throw new Error(`createPayment failed: ${JSON.stringify(payment.body.errors ?? payment.body.data)}`);
  }
  return { orderId, orderNumber, paymentId: payment.body.data!.createPayment.payment.id };
}

/** SQL on the payments subgraph's database. */
export const paymentsSql = <T>(stack: Stack, query: string, params: unknown[] = []) =>
  stack.subgraphs.payments.orm.em.fork().getConnection().execute<T[]>(query, params);

/** The id of a payment's one event of `type` (the outbox row written with the payment change). */
export async function eventIdOf(stack: Stack, paymentId: string, type = 'payment.approved'): Promise<string> {
  const rows = await paymentsSql<{ event_id: string }>(
    stack,
    'select event_id from payments.payment_event where payment_id = ? and type = ? order by seq',
    [paymentId, type],
  );
  if (rows.length !== 1) throw new Error(`expected one ${type} event of ${paymentId}, found ${rows.length}`);
  return rows[0].event_id;
}
