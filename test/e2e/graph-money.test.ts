import { type Stack, startStack } from '../support/stack';
import { restClient } from '../support/rest';

/**
 * One Money type for every monetary field of the graph (docs/graphql/money.md): a field whose name says money is
 * `Money` (or `BigMoney` for sums that can pass 2^31 − 1), never a bare integer, and its amounts are in the currency
 * of what they belong to, JPY (no minor unit) included.
 */

const MONEY_NAME = /amount|total|tax|tip|gratuity|price|fee|due|paid|refunded|refundable|balance|cost|discount/i;

/** Fields whose names look like money but are not, each with why. */
const NOT_MONEY: Record<string, string> = {
  totalCount: 'a number of rows of a connection',
  paidAt: 'a time',
  balanceAfter: 'a loyalty balance in points or stamps (counts), not money',
  taxList: 'a list of CheckTax, each of which has an amount: Money',
  hiddenTaxList: 'a list of CheckTax, each of which has an amount: Money',
  supplementalFee: 'a SupplementalFee object, whose amount is Money',
  totals: 'a list of PaymentActivityTotal, whose amount is BigMoney',
};

const MONEY_TYPES = new Set(['Money', 'BigMoney']);
/** Root fields are operations (applyCheckTax, setGratuity...), not amounts. */
const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

const INTROSPECTION = `{ __schema { types { name kind fields { name type { ...Named } } } } }
fragment Named on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

interface IntrospectedType {
  kind: string;
  name: string | null;
  ofType: IntrospectedType | null;
}
const namedType = (type: IntrospectedType): string => (type.ofType ? namedType(type.ofType) : type.name!);

describe('the graph: one Money type for every amount', () => {
  let stack: Stack;
  let partner: string;

  beforeAll(async () => {
    stack = await startStack();
    partner = await stack.token();
  });
  afterAll(() => stack?.close());

  it('types every field whose name says money (deprecated ones aside) as Money', async () => {
    const { body } = await stack.graphql(INTROSPECTION, {}, partner);
    expect(body.errors).toBeUndefined();
    const types = body.data!.__schema.types as Array<{
      name: string;
      kind: string;
      fields: Array<{ name: string; type: IntrospectedType }> | null;
    }>;
    const offenders: string[] = [];
    let checked = 0;
    for (const type of types) {
      if (type.kind !== 'OBJECT' || type.name.startsWith('__') || MONEY_TYPES.has(type.name) || ROOTS.has(type.name)) {
        continue;
      }
      for (const field of type.fields ?? []) {
        if (!MONEY_NAME.test(field.name) || field.name in NOT_MONEY) continue;
        checked++;
        const named = namedType(field.type);
        if (!MONEY_TYPES.has(named)) offenders.push(`${type.name}.${field.name}: ${named}`);
      }
    }
    expect(offenders).toEqual([]);
    // The rule bites: the graph has dozens of amounts (checks, orders, payments, refunds, events, loyalty).
    expect(checked).toBeGreaterThan(30);
  });

  it('types every currency an object shows (deprecated ones aside) as the CurrencyCode enum', async () => {
    const { body } = await stack.graphql(INTROSPECTION, {}, partner);
    const types = body.data!.__schema.types as Array<{
      name: string;
      kind: string;
      fields: Array<{ name: string; type: IntrospectedType }> | null;
    }>;
    const currencies = types
      .filter((type) => type.kind === 'OBJECT' && !type.name.startsWith('__'))
      .flatMap((type) =>
        (type.fields ?? [])
          .filter((field) => field.name === 'currency')
          .map((field) => `${type.name}.currency: ${namedType(field.type)}`),
      );
    expect(currencies).toEqual(
      expect.arrayContaining(['Order.currency: CurrencyCode', 'LoyaltyOrg.currency: CurrencyCode']),
    );
    expect(currencies.filter((line) => !line.endsWith(': CurrencyCode'))).toEqual([]);
  });

  it('names every amount a client sends …Minor, never …Cents (cents are not the minor unit of every currency)', async () => {
    const { body } = await stack.graphql(
      `{ __schema { types { name kind inputFields { name type { ...Named } }
          fields { name args { name type { ...Named } } } } } }
        fragment Named on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`,
      {},
      partner,
    );
    expect(body.errors).toBeUndefined();
    const types = body.data!.__schema.types as Array<{
      name: string;
      inputFields: Array<{ name: string; type: IntrospectedType }> | null;
      fields: Array<{ name: string; args: Array<{ name: string; type: IntrospectedType }> }> | null;
    }>;
    const sent = types
      .filter((type) => !type.name.startsWith('__'))
      .flatMap((type) => [
        ...(type.inputFields ?? []).map((input) => ({ at: `${type.name}.${input.name}`, ...input })),
        ...(type.fields ?? []).flatMap((field) =>
          field.args.map((arg) => ({ at: `${type.name}.${field.name}(${arg.name})`, ...arg })),
        ),
      ]);
    expect(sent.filter(({ name }) => /cents/i.test(name)).map(({ at }) => at)).toEqual([]);
    // The rule bites: orders, Level 3 lines, payments, refunds, checks and loyalty earns all take amounts.
    const minor = sent.filter(({ name }) => name.endsWith('Minor')).map(({ at }) => at);
    expect(minor).toEqual(
      expect.arrayContaining([
        'CreateOrderInput.totalMinor',
        'Level3LineItemInput.unitCostMinor',
        'Level3LineItemInput.taxMinor',
        'Level3LineItemInput.discountMinor',
        'EarnLoyaltyInput.amountMinor',
        'CreatePaymentInput.amountMinor',
        'RefundPaymentInput.amountMinor',
      ]),
    );
    expect(sent.filter(({ name }) => name.endsWith('Minor')).every(({ type }) => namedType(type) === 'Int')).toBe(true);
  });

  it('carries JPY, which has no minor unit, from the order through its payment and refund to REST', async () => {
    const created = await stack.graphql(
      `mutation { createOrder(input: { locationId: "1", currency: "JPY", totalMinor: 1050 }) { order { id } } }`,
      {},
      partner,
    );
    expect(created.body.errors).toBeUndefined();
    const orderId = created.body.data!.createOrder.order.id as string;
    const paid = await stack.graphql(
      `mutation($orderId: ID!) {
        createPayment(input: { orderId: $orderId, amountMinor: 1050, currency: "JPY", cardToken: "tok_visa" }) {
          payment { id status amount { amountMinor currency } tip { amountMinor currency } }
        }
      }`,
      { orderId },
      partner,
    );
    expect(paid.body.errors).toBeUndefined();
    const payment = paid.body.data!.createPayment.payment;
    const yen = (amountMinor: number) => ({ amountMinor, currency: 'JPY' });
    expect(payment).toMatchObject({ status: 'APPROVED', amount: yen(1050), tip: yen(0) });

    const refunded = await stack.graphql(
      `mutation($paymentId: ID!) {
        refundPayment(input: { paymentId: $paymentId, amountMinor: 50 }) {
          refund { amount { amountMinor currency } }
          payment { refunded { amountMinor currency } refundable { amountMinor currency } }
        }
      }`,
      { paymentId: payment.id },
      partner,
    );
    expect(refunded.body.errors).toBeUndefined();
    expect(refunded.body.data!.refundPayment).toEqual({
      refund: { amount: yen(50) },
      payment: { refunded: yen(50), refundable: yen(1000) },
    });

    const order = await stack.graphql(
      `query($id: ID!) { order(id: $id) { total { amountMinor currency } amountPaid { amountMinor currency }
        amountDue { amountMinor currency } amountRefunded { amountMinor currency } } }`,
      { id: orderId },
      partner,
    );
    expect(order.body.data!.order).toEqual({
      total: yen(1050),
      amountPaid: yen(1000),
      amountDue: yen(50),
      amountRefunded: yen(50),
    });

    // REST keeps its documented body: the same integers, named *_cents, beside the currency.
    const call = restClient(
      () => stack,
      () => partner,
    );
    const rest = await call('GET', `/pos/v1/orders/${orderId}`);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({
      currency: 'JPY',
      total_cents: 1050,
      amount_paid_cents: 1000,
      amount_due_cents: 50,
    });
  });
});
