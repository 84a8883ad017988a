import { randomUUID } from 'node:crypto';
import {
  type GraphQLSchema,
  type IntrospectionQuery,
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { restClient } from '../support/rest';
import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';

/**
 * The mutation contract (docs/graphql/mutations.md) through the gateway: `name(input: NameInput!): NamePayload`,
 * the payload nullable with `userErrors`; a business refusal is a user error beside the rest of `data`, while
 * authentication and authorisation stay top-level errors.
 */

/** Mutations that follow the contract. Move a mutation here from NOT_YET_CONVERTED when it does. */
const CONVERTED = [
  'createOrder',
  'earnLoyalty',
  'redeemLoyalty',
  'redeemLoyaltyCoupon',
  'reverseLoyaltyTransaction',
  'createPayment',
  'voidPayment',
  'reversePayment',
  'refundPayment',
  'sandboxProcessorOutcome',
  'closeBatch',
  'openCheck',
  'addCheckItem',
  'removeCheckItem',
  'applyCheckTax',
  'removeCheckTax',
  'setSupplementalFee',
  'setGratuity',
  'lockCheck',
  'unlockCheck',
  'closeCheck',
  'createWebhookEndpoint',
  'updateWebhookEndpoint',
  'rotateWebhookEndpointSecret',
  'replayWebhookDelivery',
  'payCheck',
  'updateLoyaltyProgram',
];

/**
 * Mutations that do not follow it yet (the checks and payments subgraphs): their refusals are still top-level errors
 * and some take plain arguments. The test fails when one of them starts to follow it, so that this list only shrinks.
 */
const NOT_YET_CONVERTED: string[] = [];

/** Converted mutations that create or move money or points: their payload says whether it replayed a request. */
const REPLAYABLE = [
  'createOrder',
  'earnLoyalty',
  'redeemLoyalty',
  'redeemLoyaltyCoupon',
  'reverseLoyaltyTransaction',
  'addCheckItem',
  'createPayment',
  'voidPayment',
  'reversePayment',
  'refundPayment',
  'closeBatch',
  'createWebhookEndpoint',
  'payCheck',
];

const USER_ERRORS = 'userErrors { code field message }';
const STRICT = { 'x-api-key': 'demo-loyalty-strict' };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** What is wrong with a mutation against the contract; empty when it follows it. */
function contractProblems(schema: GraphQLSchema, name: string): string[] {
  const field = schema.getMutationType()!.getFields()[name];
  if (!field) return [`${name}: not in the schema`];
  const problems: string[] = [];
  const inputName = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  const args = field.args.map((a) => `${a.name}: ${String(a.type)}`);
  if (args.join(', ') !== `input: ${inputName}!`)
    problems.push(`${name}: takes (${args.join(', ')}), not (input: ${inputName}!)`);
  if (isNonNullType(field.type)) problems.push(`${name}: its payload ${String(field.type)} is non-null`);
  const payload = getNamedType(field.type);
  if (!isObjectType(payload) || !payload.name.endsWith('Payload')) {
    problems.push(`${name}: returns ${payload.name}, not a …Payload object`);
    return problems;
  }
  const userErrors = payload.getFields().userErrors;
  if (String(userErrors?.type) !== '[UserError!]!')
    problems.push(`${name}: ${payload.name}.userErrors is not [UserError!]!`);
  if (REPLAYABLE.includes(name) && String(payload.getFields().idempotentReplay?.type) !== 'Boolean!') {
    problems.push(`${name}: ${payload.name}.idempotentReplay is not Boolean!`);
  }
  return problems;
}

describe('GraphQL mutations: one contract', () => {
  let stack: Stack;
  let partner: string;
  let schema: GraphQLSchema;
  beforeAll(async () => {
    stack = await startStack();
    partner = await stack.token();
    const { body } = await stack.graphql(getIntrospectionQuery(), {}, partner);
    schema = buildClientSchema(body.data as unknown as IntrospectionQuery);
  });
  afterAll(() => stack?.close());

  describe('the schema (what generated client types see)', () => {
    it('UserError is { code: UserErrorCode!, field: [String!], message: String! }', () => {
      const type = schema.getType('UserError');
      expect(isObjectType(type)).toBe(true);
      const fields = Object.fromEntries(
        Object.values((type as any).getFields()).map((f: any) => [f.name, String(f.type)]),
      );
      expect(fields).toEqual({ code: 'UserErrorCode!', field: '[String!]', message: 'String!' });
    });

    it.each(CONVERTED)('%s takes one input object and answers a nullable payload with userErrors', (name) => {
      expect(contractProblems(schema, name)).toEqual([]);
    });

    it('lists every mutation as converted or not yet converted, and none of the latter follows the contract yet', () => {
      const all = Object.keys(schema.getMutationType()!.getFields()).sort();
      expect(all).toEqual([...CONVERTED, ...NOT_YET_CONVERTED].sort());
      const conforming = NOT_YET_CONVERTED.filter((name) => !contractProblems(schema, name).length);
      expect(conforming).toEqual([]);
    });
  });

  it('a refusal is a user error with code, field and message; the other mutation of the document still answers', async () => {
    const { body } = await stack.graphql(
      `mutation {
        refused: redeemLoyalty(input: { customerCode: "482193", cardType: POINT, value: 100000000,
          externalId: "${randomUUID()}" }) { ${USER_ERRORS} points transaction { id } }
        invalid: createOrder(input: { locationId: "1", currency: "USD", totalMinor: -5 }) { ${USER_ERRORS} order { id } }
        earned: earnLoyalty(input: { customerCode: "482193", amountMinor: 100, externalId: "${randomUUID()}" }) {
          ${USER_ERRORS} idempotentReplay points
        }
      }`,
      {},
      partner,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.refused).toEqual({
      userErrors: [{ code: 'INSUFFICIENT_BALANCE', field: null, message: expect.stringMatching(/^Balance too low/) }],
      points: null,
      transaction: null,
    });
    expect(body.data!.invalid).toEqual({
      userErrors: [{ code: 'VALIDATION', field: ['input', 'totalMinor'], message: expect.any(String) }],
      order: null,
    });
    expect(body.data!.earned).toEqual({ userErrors: [], idempotentReplay: false, points: expect.any(Number) });
  });

  it('a query beside a refused mutation keeps its data', async () => {
    const { body } = await stack.graphql(
      `mutation {
        refused: reverseLoyaltyTransaction(input: { id: "not-a-uuid" }) { ${USER_ERRORS} }
        earned: earnLoyalty(input: { customerCode: "482193", amountMinor: 100, externalId: "${randomUUID()}" }) {
          customer { code points }
        }
      }`,
      {},
      partner,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.refused.userErrors).toEqual([
      { code: 'VALIDATION', field: ['input', 'id'], message: '"not-a-uuid" is not a UUID' },
    ]);
    expect(body.data!.earned.customer).toEqual({ code: '482193', points: expect.any(Number) });
  });

  it('a PIN refusal carries its challenge, then the attempts left, as data', async () => {
    const earn = (pin?: string) =>
      stack.graphql(
        `mutation($input: EarnLoyaltyInput!) { earnLoyalty(input: $input) {
          ${USER_ERRORS} pinVerification { challengeId expiresAt remainingAttempts lockedUntil } points
        } }`,
        { input: { customerCode: '682194', amountMinor: 100, externalId: randomUUID(), verificationPin: pin } },
        null,
        STRICT,
      );
    const asked = (await earn()).body;
    expect(asked.errors).toBeUndefined();
    expect(asked.data!.earnLoyalty).toEqual({
      userErrors: [{ code: 'PIN_REQUIRED', field: ['input', 'verificationPin'], message: expect.any(String) }],
      pinVerification: {
        challengeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        expiresAt: expect.stringMatching(ISO),
        remainingAttempts: null,
        lockedUntil: null,
      },
      points: null,
    });
    const dashboard = await stack.graphql(`{ loyaltyDashboard { pendingPins { challengeId pin } } }`, {}, null, {
      'x-api-key': 'demo-customer-682194',
    });
    const { pin } = dashboard.body.data!.loyaltyDashboard.pendingPins.find(
      (p: { challengeId: string }) => p.challengeId === asked.data!.earnLoyalty.pinVerification.challengeId,
    );
    const wrong = (await earn(String((Number(pin) + 1) % 10_000).padStart(4, '0'))).body;
    expect(wrong.data!.earnLoyalty).toMatchObject({
      userErrors: [{ code: 'PIN_INVALID', field: ['input', 'verificationPin'] }],
      pinVerification: { challengeId: null, remainingAttempts: 2 },
    });
    const right = (await earn(pin)).body;
    expect(right.data!.earnLoyalty).toMatchObject({
      userErrors: [],
      pinVerification: null,
      points: expect.any(Number),
    });
  });

  it('flags an idempotent replay as idempotentReplay, for an order and for a loyalty earn', async () => {
    const order = `mutation($input: CreateOrderInput!) { createOrder(input: $input) {
      ${USER_ERRORS} idempotentReplay order { id }
    } }`;
    const input = { locationId: '1', currency: 'USD', totalMinor: 700, idempotencyKey: randomUUID() };
    const first = (await stack.graphql(order, { input }, partner)).body.data!.createOrder;
    const again = (await stack.graphql(order, { input }, partner)).body.data!.createOrder;
    expect(first).toMatchObject({ userErrors: [], idempotentReplay: false });
    expect(again).toEqual({ ...first, idempotentReplay: true });
    const reused = (await stack.graphql(order, { input: { ...input, totalMinor: 701 } }, partner)).body;
    expect(reused.errors).toBeUndefined();
    expect(reused.data!.createOrder.userErrors[0]).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: ['input', 'idempotencyKey'],
      message: expect.any(String),
    });

    const earn = `mutation($input: EarnLoyaltyInput!) { earnLoyalty(input: $input) {
      ${USER_ERRORS} idempotentReplay alreadyProcessed transaction { id }
    } }`;
    const earnInput = { customerCode: '482195', amountMinor: 250, externalId: randomUUID() };
    const earned = (await stack.graphql(earn, { input: earnInput }, partner)).body.data!.earnLoyalty;
    const repeated = (await stack.graphql(earn, { input: earnInput }, partner)).body.data!.earnLoyalty;
    expect(earned).toMatchObject({ userErrors: [], idempotentReplay: false, alreadyProcessed: false });
    expect(repeated).toEqual({ ...earned, idempotentReplay: true, alreadyProcessed: true });
  });

  describe('check mutations', () => {
    const ADD = `mutation($input: AddCheckItemInput!) { addCheckItem(input: $input) {
      ${USER_ERRORS} idempotentReplay check { version total { amountMinor } items { id posRef } }
    } }`;
    const SOUP = { posRef: 'ITEM-SOUP', name: 'Soup', quantity: 1, priceMinor: 1200 };
    /** A check at location 1 with one item, opened through the graph: its id, posRef and the item's id. */
    const openCheck = async () => {
      const posRef = `G-${randomUUID().slice(0, 8)}`;
      const input = {
        locationId: '1',
        posRef,
        orderNumber: posRef.slice(2),
        ownedByEmployeeRef: 'EMP-1',
        ownedByEmployee: 'Alex Doe',
      };
      const opened = await stack.graphql(
        `mutation($input: OpenCheckInput!) { openCheck(input: $input) { ${USER_ERRORS} check { id } } }`,
        { input },
        partner,
      );
      expect(opened.body.data!.openCheck.userErrors).toEqual([]);
      const checkId = opened.body.data!.openCheck.check.id as string;
      const added = (await stack.graphql(ADD, { input: { checkId, item: SOUP } }, partner)).body.data!.addCheckItem;
      expect(added.userErrors).toEqual([]);
      return { checkId, posRef, itemId: added.check.items[0].id as string };
    };

    it('a locked check and a total below what is paid are user errors beside the other aliases’ data', async () => {
      const locked = await openCheck();
      const paid = await openCheck();
      const lock = await stack.graphql(
        `mutation($id: ID!) { lockCheck(input: { checkId: $id }) { ${USER_ERRORS} check { isLocked } } }`,
        { id: locked.checkId },
        partner,
      );
      expect(lock.body.data!.lockCheck).toEqual({ userErrors: [], check: { isLocked: true } });
      // Paid in full through the mobile payments API: the check's total may no longer go below 1200.
      const mobile = await stack.token('demo-partner', 'demo-secret', 'tilt/mobile:payments');
      const pay = await restClient(
        () => stack,
        () => mobile,
      )('POST', `/pos/v2/1/checks/${paid.posRef}/pay`, {
        body: {
          amount: 1200,
          card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', holderName: 'Ada', token: 'tok_visa' },
          transaction: { authorizationCode: 'A1', invoice: randomUUID() },
        },
      });
      expect(pay.body.remainingAmount).toBe('0');

      const { body } = await stack.graphql(
        `mutation($locked: ID!, $paid: ID!, $item: ID!) {
          locked: addCheckItem(input: { checkId: $locked, item: { posRef: "W", name: "Wine", quantity: 1, priceMinor: 900 } }) {
            ${USER_ERRORS} idempotentReplay check { id }
          }
          belowPaid: removeCheckItem(input: { checkId: $paid, itemId: $item }) { ${USER_ERRORS} check { id } }
          tipped: setGratuity(input: { checkId: $paid, gratuity: { amountMinor: 100 } }) {
            ${USER_ERRORS} check { total { amountMinor } }
          }
        }`,
        { locked: locked.checkId, paid: paid.checkId, item: paid.itemId },
        partner,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.locked).toEqual({
        userErrors: [{ code: 'CHECK_LOCKED', field: null, message: expect.stringMatching(/locked/) }],
        idempotentReplay: false,
        check: null,
      });
      expect(body.data!.belowPaid).toEqual({
        userErrors: [
          { code: 'CHECK_TOTAL_BELOW_PAID', field: null, message: expect.any(String) },
          { code: 'CHECK_TOTAL_BELOW_PAID', field: null, message: 'total: would be 0; paid or being paid: 1200' },
        ],
        check: null,
      });
      // Raising the total of a paid check is fine: the third alias's data is there.
      expect(body.data!.tipped).toEqual({ userErrors: [], check: { total: { amountMinor: 1300 } } });
    });

    it('replays addCheckItem by its idempotency key, and refuses the key with another item', async () => {
      const { checkId } = await openCheck();
      const input = { checkId, item: { ...SOUP, posRef: 'ITEM-BREAD', priceMinor: 300 }, idempotencyKey: randomUUID() };
      const first = (await stack.graphql(ADD, { input }, partner)).body.data!.addCheckItem;
      expect(first).toMatchObject({ userErrors: [], idempotentReplay: false, check: { total: { amountMinor: 1500 } } });
      const again = (await stack.graphql(ADD, { input }, partner)).body.data!.addCheckItem;
      expect(again).toEqual({ ...first, idempotentReplay: true });

      const reused = (await stack.graphql(ADD, { input: { ...input, item: { ...input.item, quantity: 2 } } }, partner))
        .body;
      expect(reused.errors).toBeUndefined();
      expect(reused.data!.addCheckItem).toMatchObject({ idempotentReplay: false, check: null });
      expect(reused.data!.addCheckItem.userErrors[0]).toEqual({
        code: 'IDEMPOTENCY_KEY_REUSED',
        field: ['input', 'idempotencyKey'],
        message: expect.any(String),
      });
      // The bread was added once.
      const read = await stack.graphql(
        `query($id: ID!) { check(id: $id) { items { posRef } } }`,
        { id: checkId },
        partner,
      );
      expect(read.body.data!.check.items).toEqual([{ posRef: 'ITEM-SOUP' }, { posRef: 'ITEM-BREAD' }]);
    });

    it('payCheck over the amount due is an AMOUNT_EXCEEDS_DUE user error beside another alias’s payment', async () => {
      const over = await openCheck();
      const paid = await openCheck();
      const mobile = await stack.token('demo-partner', 'demo-secret', 'tilt/mobile:payments');
      const sale = (posRef: string, amountMinor: number) => ({
        locationId: '1',
        posRef,
        amountMinor,
        card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', token: 'tok_visa' },
        transaction: { authorizationCode: 'A1', invoice: randomUUID() },
      });
      const { body } = await stack.graphql(
        `mutation($over: PayCheckInput!, $paid: PayCheckInput!) {
          over: payCheck(input: $over) { ${USER_ERRORS} idempotentReplay payment { id } remainingAmount { amountMinor } }
          paid: payCheck(input: $paid) { ${USER_ERRORS} idempotentReplay payment { status } remainingAmount { amountMinor } }
        }`,
        { over: sale(over.posRef, 1201), paid: { ...sale(paid.posRef, 1000), idempotencyKey: randomUUID() } },
        mobile,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.over).toEqual({
        userErrors: [
          { code: 'AMOUNT_EXCEEDS_DUE', field: ['input', 'amountMinor'], message: expect.stringMatching(/owes/) },
          { code: 'AMOUNT_EXCEEDS_DUE', field: null, message: 'amount due: 1200' },
        ],
        idempotentReplay: false,
        payment: null,
        remainingAmount: null,
      });
      expect(body.data!.paid).toEqual({
        userErrors: [],
        idempotentReplay: false,
        payment: { status: 'APPROVED' },
        remainingAmount: { amountMinor: 200 },
      });
    });

    it('a check of another organisation stays a top-level NOT_FOUND', async () => {
      const { checkId } = await openCheck();
      const other = await stack.token('other-partner', 'other-secret');
      const { body } = await stack.graphql(
        `mutation($id: ID!) { lockCheck(input: { checkId: $id }) { ${USER_ERRORS} check { id } } }`,
        { id: checkId },
        other,
      );
      expect(body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect(body.data).toEqual({ lockCheck: null });
    });
  });

  it('an over-refund and a void of a refunded payment are user errors beside a refund that goes through', async () => {
    const { paymentId } = await payOrder(stack, partner, { amountCents: 1000 });
    const { body } = await stack.graphql(
      `mutation($id: ID!) {
        tooMuch: refundPayment(input: { paymentId: $id, amountMinor: 1001 }) { ${USER_ERRORS} refund { id } payment { id } }
        refunded: refundPayment(input: { paymentId: $id, amountMinor: 400 }) {
          ${USER_ERRORS} idempotentReplay refund { amount { amountMinor currency } } payment { status }
        }
        notVoidable: voidPayment(input: { paymentId: $id }) { ${USER_ERRORS} idempotentReplay payment { id } }
      }`,
      { id: paymentId },
      partner,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.tooMuch).toEqual({
      userErrors: [
        { code: 'REFUND_EXCEEDS_REFUNDABLE', field: ['input', 'amountMinor'], message: expect.any(String) },
        { code: 'REFUND_EXCEEDS_REFUNDABLE', field: null, message: 'refundable: 1000' },
      ],
      refund: null,
      payment: null,
    });
    expect(body.data!.refunded).toEqual({
      userErrors: [],
      idempotentReplay: false,
      refund: { amount: { amountMinor: 400, currency: 'USD' } },
      payment: { status: 'PARTIALLY_REFUNDED' },
    });
    expect(body.data!.notVoidable).toEqual({
      userErrors: [{ code: 'PAYMENT_HAS_REFUNDS', field: null, message: expect.any(String) }],
      idempotentReplay: false,
      payment: null,
    });
  });

  it('a declined card is a user error beside the declined payment and another alias’s approved one', async () => {
    const order = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }`;
    const open = async () =>
      (await stack.graphql(order, { input: { locationId: '1', currency: 'USD', totalMinor: 900 } }, partner)).body.data!
        .createOrder.order.id as string;
    const [declinedOrder, paidOrder] = [await open(), await open()];
    const { body } = await stack.graphql(
      `mutation($declined: ID!, $paid: ID!) {
        declined: createPayment(input: { orderId: $declined, amountMinor: 900, currency: "USD",
          cardToken: "tok_decline" }) { ${USER_ERRORS} idempotentReplay payment { id status failureCode } }
        tooMuch: createPayment(input: { orderId: $paid, amountMinor: 901, currency: "USD", cardToken: "tok_visa" }) {
          ${USER_ERRORS} payment { id }
        }
        paid: createPayment(input: { orderId: $paid, amountMinor: 900, currency: "USD", cardToken: "tok_visa" }) {
          ${USER_ERRORS} idempotentReplay payment { status amount { amountMinor currency } }
        }
      }`,
      { declined: declinedOrder, paid: paidOrder },
      partner,
    );
    expect(body.errors).toBeUndefined();
    // The declined payment exists (its id is what a frontend shows or quotes): it comes back beside the refusal.
    expect(body.data!.declined).toEqual({
      userErrors: [
        { code: 'PAYMENT_DECLINED', field: ['input', 'cardToken'], message: expect.stringMatching(/declined/) },
      ],
      idempotentReplay: false,
      payment: { id: expect.any(String), status: 'DECLINED', failureCode: expect.any(String) },
    });
    expect(body.data!.tooMuch).toEqual({
      userErrors: [
        { code: 'AMOUNT_EXCEEDS_DUE', field: ['input', 'amountMinor'], message: expect.any(String) },
        { code: 'AMOUNT_EXCEEDS_DUE', field: null, message: 'amount due: 900' },
      ],
      payment: null,
    });
    expect(body.data!.paid).toEqual({
      userErrors: [],
      idempotentReplay: false,
      payment: { status: 'APPROVED', amount: { amountMinor: 900, currency: 'USD' } },
    });
  });

  it('replays a batch close by its key, and refuses the key with another location', async () => {
    const close = `mutation($input: CloseBatchInput!) { closeBatch(input: $input) {
      ${USER_ERRORS} idempotentReplay settledCount
    } }`;
    await stack.graphql(close, { input: { locationId: '2' } }, partner);
    await payOrder(stack, partner, { amountCents: 500, locationId: '2' });
    await payOrder(stack, partner, { amountCents: 700, locationId: '2' });
    const input = { locationId: '2', idempotencyKey: randomUUID() };
    const first = (await stack.graphql(close, { input }, partner)).body;
    expect(first.data!.closeBatch).toEqual({ userErrors: [], idempotentReplay: false, settledCount: 2 });
    // A retry answers what the first close settled, not the 0 a second close would.
    const again = (await stack.graphql(close, { input }, partner)).body;
    expect(again.data!.closeBatch).toEqual({ userErrors: [], idempotentReplay: true, settledCount: 2 });
    const reused = (await stack.graphql(close, { input: { ...input, locationId: '1' } }, partner)).body;
    expect(reused.errors).toBeUndefined();
    expect(reused.data!.closeBatch.userErrors[0]).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: ['input', 'idempotencyKey'],
      message: expect.any(String),
    });
    expect(reused.data!.closeBatch).toMatchObject({ idempotentReplay: false, settledCount: null });
  });

  it('a payment of another partner stays a top-level NOT_FOUND, with a null payload', async () => {
    const { paymentId } = await payOrder(stack, partner, { amountCents: 300 });
    const other = await stack.token('other-partner', 'other-secret');
    const { body } = await stack.graphql(
      `mutation($id: ID!) { refundPayment(input: { paymentId: $id }) { ${USER_ERRORS} refund { id } } }`,
      { id: paymentId },
      other,
    );
    expect(body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(body.data).toEqual({ refundPayment: null });
  });

  describe('webhook endpoint mutations', () => {
    const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
      ${USER_ERRORS} idempotentReplay secret webhookEndpoint { id url status }
    } }`;
    const endpointsAt = async (url: string) => {
      const { body } = await stack.graphql(`{ webhookEndpoints(first: 100) { nodes { url } } }`, {}, partner);
      return body.data!.webhookEndpoints.nodes.filter((e: { url: string }) => e.url === url).length;
    };

    it('a retried createWebhookEndpoint with the same key registers one endpoint and answers its first secret', async () => {
      const url = `https://hooks.example/${randomUUID()}`;
      const input = { url, enabled: false, idempotencyKey: randomUUID() };
      const first = (await stack.graphql(CREATE, { input }, partner)).body.data!.createWebhookEndpoint;
      expect(first).toMatchObject({
        userErrors: [],
        idempotentReplay: false,
        secret: expect.stringMatching(/^whsec_/),
        webhookEndpoint: { url, status: 'DISABLED' },
      });
      const again = (await stack.graphql(CREATE, { input }, partner)).body.data!.createWebhookEndpoint;
      // The stored first response: the same endpoint, and the secret it signs with.
      expect(again).toEqual({ ...first, idempotentReplay: true });
      expect(await endpointsAt(url)).toBe(1);

      const reused = (await stack.graphql(CREATE, { input: { ...input, url: `${url}/other` } }, partner)).body;
      expect(reused.errors).toBeUndefined();
      expect(reused.data!.createWebhookEndpoint).toMatchObject({ secret: null, webhookEndpoint: null });
      expect(reused.data!.createWebhookEndpoint.userErrors[0]).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        field: ['input', 'idempotencyKey'],
      });
      expect(await endpointsAt(`${url}/other`)).toBe(0);
    });

    it('a bad URL is a VALIDATION user error on ["input", "url"] beside another alias’s data', async () => {
      const url = `https://hooks.example/${randomUUID()}`;
      const { body } = await stack.graphql(
        `mutation($url: String!) {
          bad: createWebhookEndpoint(input: { url: "ftp://hooks.example/x" }) { ${USER_ERRORS} secret webhookEndpoint { id } }
          good: createWebhookEndpoint(input: { url: $url, enabled: false }) { ${USER_ERRORS} webhookEndpoint { url } }
        }`,
        { url },
        partner,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.bad).toEqual({
        userErrors: [{ code: 'VALIDATION', field: ['input', 'url'], message: 'must be an http or https URL' }],
        secret: null,
        webhookEndpoint: null,
      });
      expect(body.data!.good).toEqual({ userErrors: [], webhookEndpoint: { url } });
    });
  });

  it('authentication and authorisation stay top-level errors', async () => {
    const document = `mutation { createOrder(input: { locationId: "1", currency: "USD", totalMinor: 100 }) {
      ${USER_ERRORS} order { id }
    } }`;
    const anonymous = await stack.graphql(document, {}, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const readOnly = await stack.token('demo-partner', 'demo-secret', 'tilt/pos:read');
    const forbidden = await stack.graphql(document, {}, readOnly);
    expect(forbidden.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(forbidden.body.data).toEqual({ createOrder: null });
  });
});
