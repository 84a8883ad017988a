import { type Stack, startStack } from '../support/stack';

describe('the federated graph', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('answers one query with fields from all four subgraphs', async () => {
    const token = await stack.token();
    const created = await stack.graphql(
      `mutation { createOrder(input: { locationId: "1", currency: "USD", totalMinor: 2500 }) { order { id number } } }`,
      {},
      token,
    );
    expect(created.body.errors).toBeUndefined();
    const orderId = created.body.data!.createOrder.order.id;
    const paid = await stack.graphql(
      `mutation($orderId: ID!) { createPayment(input: { orderId: $orderId, amountMinor: 2500, currency: "USD", cardToken: "tok_visa" }) { payment { id status } } }`,
      { orderId },
      token,
    );
    expect(paid.body.errors).toBeUndefined();

    const { status, body } = await stack.graphql(
      `query Everything {
        locations(first: 10) { nodes {                # orders
          id name
          checks { nodes { posRef total { amountMinor currency } items { name } } }  # checks
          orders { nodes { id total { amountMinor currency } payments { nodes { amountCents status } } } }  # payments
        } }
        loyaltyCustomer(code: "482193") { points stamps org { preset } }  # loyalty
      }`,
      {},
      token,
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const locations = body.data!.locations.nodes;
    expect(locations.map((l: { id: string }) => l.id)).toEqual(['1', '2']);
    expect(locations[0].name).toBe('Demo Bistro Downtown');
    expect(locations[0].checks.nodes).toHaveLength(4);
    expect(locations[0].checks.nodes[0]).toMatchObject({
      posRef: '1-101',
      total: { amountMinor: 1566, currency: 'USD' },
      items: [{ name: 'Cheeseburger' }],
    });
    expect(locations[0].orders.nodes).toEqual([
      {
        id: orderId,
        total: { amountMinor: 2500, currency: 'USD' },
        payments: { nodes: [{ amountCents: 2500, status: 'APPROVED' }] },
      },
    ]);
    expect(body.data!.loyaltyCustomer).toEqual({ points: 500, stamps: 0, org: { preset: 'STANDARD' } });
  });

  it('pages the locations by keyset cursor, oldest first; more than 100 in one page is refused', async () => {
    const token = await stack.token();
    const paged = `query($after: String) {
      locations(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } totalCount }
    }`;
    const one = (await stack.graphql(paged, {}, token)).body.data!.locations;
    expect(one).toEqual({
      nodes: [{ id: '1' }],
      pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
      totalCount: 2,
    });
    const two = (await stack.graphql(paged, { after: one.pageInfo.endCursor }, token)).body.data!.locations;
    expect(two.nodes).toEqual([{ id: '2' }]);
    expect(two.pageInfo.hasNextPage).toBe(false);
    const tooMany = await stack.graphql('{ locations(first: 101) { nodes { id } } }', {}, token);
    expect(tooMany.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'validation_error' });
  });

  it("never shows one partner another partner's data", async () => {
    const other = await stack.token('other-partner', 'other-secret');
    const { body } = await stack.graphql(
      `{ locations { nodes { id } } location(id: "1") { id } loyaltyCustomer(code: "482193") { points } }`,
      {},
      other,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ locations: { nodes: [{ id: '3' }] }, location: null, loyaltyCustomer: null });

    // Entity references are tenant-scoped too: another partner's order id resolves to nothing.
    const demo = await stack.token();
    const order = await stack.graphql(
      `mutation { createOrder(input: { locationId: "2", currency: "USD", totalMinor: 100 }) { order { id } } }`,
      {},
      demo,
    );
    const foreign = await stack.graphql(
      `query($id: ID!) { order(id: $id) { id } }`,
      { id: order.body.data!.createOrder.order.id },
      other,
    );
    expect(foreign.body.data).toEqual({ order: null });
    const wrongLocation = await stack.graphql(
      `mutation { createOrder(input: { locationId: "1", currency: "USD", totalMinor: 100 }) { order { id } } }`,
      {},
      other,
    );
    expect(wrongLocation.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('requires the write scopes for mutations', async () => {
    const readOnly = await stack.token('demo-partner', 'demo-secret', 'tilt/pos:read');
    const { body } = await stack.graphql(
      `mutation { createOrder(input: { locationId: "1", currency: "USD", totalMinor: 100 }) { order { id } } }`,
      {},
      readOnly,
    );
    expect(body.errors?.[0]).toMatchObject({
      message: 'The access token lacks the scope tilt/pos:orders',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(body.data).toEqual({ createOrder: null });
  });

  it('answers bad input with BAD_USER_INPUT and a clear message', async () => {
    const { body } = await stack.graphql(`{ location(id: "abc") { id } }`);
    expect(body.errors?.[0]).toMatchObject({
      message: 'id must be a positive integer',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  // Found by test/reliability/bad-input.test.ts: the subgraph refused the variable with a 400, which the gateway
  // turned into a masked internal error.
  it('answers a custom scalar only the subgraph can parse (DateTimeISO) with BAD_USER_INPUT, not an internal error', async () => {
    const { status, body } = await stack.graphql(
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
      {
        input: {
          orderId: '00000000-0000-4000-8000-000000000000',
          amountMinor: 100,
          currency: 'USD',
          cardToken: 'tok_visa',
          expiresAt: 'not a date',
        },
      },
    );
    expect(status).toBe(200);
    // The payload is nullable: the error nulls it, not the whole response.
    expect(body.data).toEqual({ createPayment: null });
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('not a date'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
