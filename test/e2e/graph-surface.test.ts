import fs from 'node:fs';
import path from 'node:path';
import { Kind, type ObjectTypeDefinitionNode, parse } from 'graphql';
import { gatewayWsClient } from '../support/ws';
import { type Stack, startStack } from '../support/stack';

/**
 * The public graph is the supergraph less its `@inaccessible` elements: fields only the project's own server code
 * calls (the gateway's hosted checkout, one subgraph calling another) are not in the schema the gateway serves, so
 * no client can execute them, whatever its token holds. They are reached on their owning subgraph directly, with the
 * signed internal context.
 */

const SUPERGRAPH = fs.readFileSync(path.resolve(__dirname, '../../schema/supergraph.graphql'), 'utf8');

/** `Type.field` of every field, and `Type.field(argument)` of every argument, the supergraph marks @inaccessible. */
function inaccessibleCoordinates(): string[] {
  const marked = (node: { directives?: readonly { name: { value: string } }[] }) =>
    node.directives?.some((directive) => directive.name.value === 'inaccessible') ?? false;
  const coordinates: string[] = [];
  for (const definition of parse(SUPERGRAPH).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INPUT_OBJECT_TYPE_DEFINITION) {
      continue;
    }
    const type = definition as ObjectTypeDefinitionNode;
    if (marked(type)) coordinates.push(type.name.value);
    for (const field of type.fields ?? []) {
      const coordinate = `${type.name.value}.${field.name.value}`;
      if (marked(field)) coordinates.push(coordinate);
      for (const argument of field.arguments ?? []) {
        if (marked(argument)) coordinates.push(`${coordinate}(${argument.name.value})`);
      }
    }
  }
  return coordinates;
}

const INTROSPECTION = `{ __schema { types { name fields(includeDeprecated: true) { name args { name } }
  inputFields { name } } } }`;

const COMPLETE = `mutation($orderId: ID!, $checkoutId: ID!, $paymentId: ID!) {
  completeHostedCheckout(orderId: $orderId, checkoutId: $checkoutId, paymentId: $paymentId) { id }
}`;

describe('the public graph: internal fields are not in it', () => {
  let stack: Stack;
  let partner: string;

  beforeAll(async () => {
    stack = await startStack();
    partner = await stack.token();
  });
  afterAll(() => stack?.close());

  /** An order of demo's at location 1 with an open hosted checkout, paid in full by an approved payment. */
  const paidCheckoutOrder = async () => {
    const created = await stack.graphql(
      `mutation { createOrder(input: { locationId: "1", currency: "USD", totalMinor: 1800,
        returnUrl: "https://shop.example/done" }) { order { id hostedCheckout { id } } } }`,
      {},
      partner,
    );
    expect(created.body.errors).toBeUndefined();
    const order = created.body.data!.createOrder.order;
    const paid = await stack.graphql(
      `mutation($id: ID!) { createPayment(input: { orderId: $id, amountMinor: 1800, currency: "USD",
        entryMode: CARD_NOT_PRESENT, cardToken: "tok_visa" }) { payment { id status } } }`,
      { id: order.id },
      partner,
    );
    expect(paid.body.data!.createPayment.payment.status).toBe('APPROVED');
    return {
      orderId: order.id,
      checkoutId: order.hostedCheckout.id,
      paymentId: paid.body.data!.createPayment.payment.id,
    };
  };
  const checkoutStatus = async (orderId: string) => {
    const { body } = await stack.graphql(`query($id: ID!) { order(id: $id) { hostedCheckout { status } } }`, {
      id: orderId,
    });
    return body.data!.order.hostedCheckout.status;
  };
  const expectNotInSchema = (body: { data?: unknown; errors?: Array<{ message: string; extensions?: unknown }> }) => {
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'Cannot query field "completeHostedCheckout" on type "Mutation".',
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      }),
    ]);
  };

  it('marks completeHostedCheckout @inaccessible in the supergraph', () => {
    expect(inaccessibleCoordinates()).toContain('Mutation.completeHostedCheckout');
  });

  it('refuses completeHostedCheckout from a partner token and a cashier’s token as a field not in the schema', async () => {
    const ids = await paidCheckoutOrder();
    const cashier = await stack.userToken('cashier@demo.example');
    for (const token of [partner, cashier]) {
      const { status, body } = await stack.graphql(COMPLETE, ids, token);
      expect(status).toBe(400);
      expectNotInSchema(body);
    }
    // Not executed: a valid completion (an approved payment of the order, for its total) would have paid it.
    expect(await checkoutStatus(ids.orderId)).toBe('OPEN');
  });

  it('refuses it over graphql-ws the same way', async () => {
    const ids = await paidCheckoutOrder();
    const client = gatewayWsClient(stack.gatewayUrl, partner);
    try {
      // A document the schema refuses is answered with graphql-ws's `error` message, never a result.
      const errors = await new Promise<unknown>((resolve, reject) => {
        client.subscribe(
          { query: COMPLETE, variables: ids },
          {
            next: (value) => reject(new Error(`a result: ${JSON.stringify(value)}`)),
            error: resolve,
            complete: () => reject(new Error('completed without an error')),
          },
        );
      });
      expect(errors).toEqual([
        expect.objectContaining({ message: 'Cannot query field "completeHostedCheckout" on type "Mutation".' }),
      ]);
    } finally {
      await client.dispose();
    }
    expect(await checkoutStatus(ids.orderId)).toBe('OPEN');
  });

  it('shows no @inaccessible field or argument in introspection, over HTTP and in the graphql-ws schema', async () => {
    const hidden = inaccessibleCoordinates();
    const { body } = await stack.graphql(INTROSPECTION, {}, partner);
    expect(body.errors).toBeUndefined();
    type Introspected = {
      name: string;
      fields: Array<{ name: string; args: Array<{ name: string }> }> | null;
      inputFields: Array<{ name: string }> | null;
    };
    const visible = new Set<string>();
    for (const type of body.data!.__schema.types as Introspected[]) {
      visible.add(type.name);
      for (const field of type.inputFields ?? []) visible.add(`${type.name}.${field.name}`);
      for (const field of type.fields ?? []) {
        visible.add(`${type.name}.${field.name}`);
        for (const argument of field.args) visible.add(`${type.name}.${field.name}(${argument.name})`);
      }
    }
    expect(visible.has('Mutation.createOrder')).toBe(true);
    expect(hidden.filter((coordinate) => visible.has(coordinate))).toEqual([]);

    const wsSchema = stack.gateway.subscriptions.apiGraphQLSchema;
    const wsVisible = hidden.filter((coordinate) => {
      const [typeName, fieldName] = coordinate.replace(/\(.*\)$/, '').split('.');
      const type = wsSchema.getType(typeName) as { getFields?: () => Record<string, unknown> } | undefined;
      return fieldName ? Boolean(type?.getFields?.()[fieldName]) : Boolean(type);
    });
    expect(wsVisible).toEqual([]);
  });
});
