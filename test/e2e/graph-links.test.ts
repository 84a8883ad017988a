import { OrderPaymentService } from '@pos/payments/src/modules/order/order-payment.service';
import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';

const STATE = `query($id: ID!) { order(id: $id) {
  total { amountMinor currency } paymentStatus
  amountPaid { amountMinor currency } amountDue { amountMinor currency } amountRefunded { amountMinor currency }
} }`;

describe('links between the subgraphs’ types', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.token();
  });
  afterAll(() => stack?.close());

  async function ok(query: string, variables: Record<string, unknown>) {
    const { body } = await stack.graphql(query, variables, token);
    expect(body.errors).toBeUndefined();
    return body.data!;
  }

  const openOrder = async (totalMinor: number, currency = 'USD'): Promise<string> =>
    (
      await ok(
        `mutation($total: Int!, $currency: String!) {
          createOrder(input: { locationId: "1", currency: $currency, totalMinor: $total }) { order { id } }
        }`,
        { total: totalMinor, currency },
      )
    ).createOrder.order.id;

  const pay = async (orderId: string, amountCents: number, currency = 'USD'): Promise<string> =>
    (
      await ok(
        `mutation($id: ID!, $amount: Int!, $currency: String!) {
          createPayment(input: { orderId: $id, amountMinor: $amount, currency: $currency, cardToken: "tok_visa" }) {
            payment { id status }
          }
        }`,
        { id: orderId, amount: amountCents, currency },
      )
    ).createPayment.payment.id;

  const refund = (paymentId: string, amountCents: number) =>
    ok(`mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } } }`, {
      input: { paymentId, amountMinor: amountCents },
    });

  const stateOf = async (orderId: string) => {
    const { order } = await ok(STATE, { id: orderId });
    const minor = (m: { amountMinor: number; currency: string }) => `${m.amountMinor} ${m.currency}`;
    return {
      status: order.paymentStatus,
      total: minor(order.total),
      paid: minor(order.amountPaid),
      due: minor(order.amountDue),
      refunded: minor(order.amountRefunded),
    };
  };

  it('follows an order’s payment state through partial and full payment and refund', async () => {
    const orderId = await openOrder(1000);
    expect(await stateOf(orderId)).toEqual({
      status: 'UNPAID',
      total: '1000 USD',
      paid: '0 USD',
      due: '1000 USD',
      refunded: '0 USD',
    });

    const first = await pay(orderId, 400);
    expect(await stateOf(orderId)).toMatchObject({ status: 'PARTIALLY_PAID', paid: '400 USD', due: '600 USD' });

    const second = await pay(orderId, 600);
    expect(await stateOf(orderId)).toMatchObject({
      status: 'PAID',
      paid: '1000 USD',
      due: '0 USD',
      refunded: '0 USD',
    });

    await refund(first, 300);
    expect(await stateOf(orderId)).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      paid: '700 USD',
      due: '300 USD',
      refunded: '300 USD',
    });

    await refund(first, 100);
    await refund(second, 600);
    expect(await stateOf(orderId)).toEqual({
      status: 'REFUNDED',
      total: '1000 USD',
      paid: '0 USD',
      due: '1000 USD',
      refunded: '1000 USD',
    });
  });

  it('states money in the order’s currency, and an order of 0 as paid', async () => {
    const yen = await openOrder(1500, 'JPY');
    await pay(yen, 500, 'JPY');
    expect(await stateOf(yen)).toMatchObject({
      status: 'PARTIALLY_PAID',
      total: '1500 JPY',
      paid: '500 JPY',
      due: '1000 JPY',
    });
    expect(await stateOf(await openOrder(0))).toMatchObject({ status: 'PAID', paid: '0 USD', due: '0 USD' });
  });

  it('reads the payment state of many orders in one ledger query', async () => {
    const ids = [await openOrder(200), await openOrder(300), await openOrder(400)];
    await pay(ids[0], 200);
    await pay(ids[1], 100);
    // Watched, not replaced: the real query runs, and the test sees how often.
    const ledgers = jest.spyOn(OrderPaymentService.prototype, 'ledgers');
    const { locations } = await ok(
      `{ locations { nodes { orders(first: 100) { nodes { id paymentStatus amountPaid { amountMinor } amountDue { amountMinor } } } } } }`,
      {},
    );
    const orders = new Map(
      locations.nodes.flatMap((l: { orders: { nodes: Array<{ id: string }> } }) =>
        l.orders.nodes.map((o) => [o.id, o] as const),
      ),
    );
    expect(ids.map((id) => orders.get(id))).toEqual([
      { id: ids[0], paymentStatus: 'PAID', amountPaid: { amountMinor: 200 }, amountDue: { amountMinor: 0 } },
      {
        id: ids[1],
        paymentStatus: 'PARTIALLY_PAID',
        amountPaid: { amountMinor: 100 },
        amountDue: { amountMinor: 200 },
      },
      { id: ids[2], paymentStatus: 'UNPAID', amountPaid: { amountMinor: 0 }, amountDue: { amountMinor: 400 } },
    ]);
    // Every order of both locations, three fields each: one ledger read.
    expect(ledgers).toHaveBeenCalledTimes(1);
    expect(ledgers.mock.calls[0][1]).toEqual(expect.arrayContaining(ids));
    ledgers.mockRestore();
  });

  it('links a payment to its location, resolved by the orders subgraph', async () => {
    const { paymentId } = await payOrder(stack, token, { amountCents: 900, locationId: '2' });
    const { payment } = await ok(`query($id: ID!) { payment(id: $id) { location { id name timezone } } }`, {
      id: paymentId,
    });
    expect(payment.location).toEqual({ id: '2', name: expect.any(String), timezone: expect.any(String) });
  });
});
