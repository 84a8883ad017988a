import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';

describe('links between the subgraphs’ types', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.token();
  });
  afterAll(() => stack?.close());

  it('links a payment to its location, resolved by the orders subgraph', async () => {
    const { paymentId } = await payOrder(stack, token, { amountCents: 900, locationId: '2' });
    const { body } = await stack.graphql(
      `query($id: ID!) { payment(id: $id) { location { id name timezone } } }`,
      { id: paymentId },
      token,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.payment.location).toEqual({ id: '2', name: expect.any(String), timezone: expect.any(String) });
  });
});
