import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SCOPES, createLogger, decrypt, purposeKey } from '@pos/kit';
import { TEST_ENV, partnerPrincipal } from '@pos/testing';
import { cardProblems, cashAmountDue } from '../src/modules/check/check-payment.service';
import { CLOSE_BATCH, type PaymentsHarness, demo, errorOf, posUser, refused, startPayments } from './support';

const mobile = partnerPrincipal('demo', [SCOPES.posRead, SCOPES.posOrders, SCOPES.mobilePayments]);
const otherMobile = partnerPrincipal('other', mobile.scopes);

const PAY_CHECK = `mutation($input: PayCheckInput!) {
  payCheck(input: $input) {
    userErrors { code field message } idempotentReplay remainingAmountCents
    payment { id status amountCents tipCents currency entryMode processor processorReference authorizationCode
      check { id } card { type last4Digits expirationDate holderName } }
  }
}`;
const M = '{ amountMinor currency }';
const CHECK_MONEY = `query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Check {
      id amountPaid ${M} amountDue ${M} paymentAmountPaid paymentAmountDue
      dualPricing { cashTotal ${M} cashAmountDue ${M} } payments { nodes { id } }
    }
  }
}`;
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
/** Money in USD as its minor units, so the tests compare figures. */
const inCents = (value: unknown): unknown => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if ('amountMinor' in value) {
    expect(value).toEqual(usd((value as { amountMinor: number }).amountMinor));
    return (value as { amountMinor: number }).amountMinor;
  }
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, inCents(entry)]));
};

/** A card the seed's way, valid for years. */
const CARD = {
  type: 'VS' as const,
  last4Digits: '4242',
  expirationDate: '1240',
  holderName: 'Ada Lovelace',
  token: 'tok_card',
};

describe('payments subgraph: paying checks (mobile payments v2)', () => {
  let h: PaymentsHarness;
  const logLines: string[] = [];
  /** Seeded check ids by posRef; totals: 1-101 1566, 1-102 2052, 1-103 2371, 1-104 (locked) 3586. */
  const checkIds: Record<string, string> = {};

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    h = await startPayments({ logger: createLogger('payments', 'trace', sink) });
    for (const row of await h.checks.sql<{ id: string; pos_ref: string }>('select id, pos_ref from checks.check')) {
      checkIds[row.pos_ref] = row.id;
    }
  });
  afterAll(() => h?.close());

  const payCheck = (input: Record<string, unknown>, key: string | null = null, as = mobile) =>
    h.call(
      PAY_CHECK,
      {
        input: {
          locationId: '1',
          amountMinor: 100,
          card: CARD,
          transaction: { authorizationCode: 'A1B2C3', invoice: `INV-${randomUUID()}` },
          idempotencyKey: key,
          ...input,
        },
      },
      as,
    );
  const money = async (posRef: string, total: number, cashTotal: number | null = null, as = mobile) => {
    const { body } = await h.call(
      CHECK_MONEY,
      { r: [{ __typename: 'Check', id: checkIds[posRef], total: usd(total), cashTotal: cashTotal && usd(cashTotal) }] },
      as,
    );
    expect(body.errors).toBeUndefined();
    const { paymentAmountPaid, paymentAmountDue, ...check } = body.data!._entities[0];
    // The deprecated integers stay what the Money fields say, for one release.
    expect([paymentAmountPaid, paymentAmountDue]).toEqual([check.amountPaid.amountMinor, check.amountDue.amountMinor]);
    return inCents(check) as Record<string, unknown>;
  };
  /** Opens a check of one item at location 1 through the checks subgraph; returns its posRef and id. */
  const openCheck = async (price: number) => {
    const posRef = `T-${randomUUID().slice(0, 8)}`;
    const opened = await h.checks.call(
      `mutation($input: OpenCheckInput!) { openCheck(input: $input) { check { id } } }`,
      {
        input: {
          locationId: '1',
          posRef,
          orderNumber: posRef,
          ownedByEmployeeRef: 'EMP-1',
          ownedByEmployee: 'Alex Doe',
        },
      },
      mobile,
    );
    expect(opened.body.errors).toBeUndefined();
    const id = opened.body.data!.openCheck.check.id as string;
    const added = await h.checks.call(
      `mutation($input: AddCheckItemInput!) { addCheckItem(input: $input) { check { total { amountMinor } } } }`,
      { input: { checkId: id, item: { posRef: 'ITEM-1', name: 'Tasting menu', quantity: 1, priceMinor: price } } },
      mobile,
    );
    expect(added.body.data?.addCheckItem.check.total.amountMinor).toBe(price);
    checkIds[posRef] = id;
    return { posRef, id };
  };

  it('records a registered sale as approved, with its tip apart, its card and a payment.approved event', async () => {
    const { posRef, id } = await openCheck(5000);
    const invoice = `INV-${randomUUID()}`;
    const { body } = await payCheck({
      posRef,
      amountMinor: 2000,
      tipMinor: 300,
      universalToken: 'utok_123',
      transaction: { authorizationCode: 'OK1234', invoice },
    });
    expect(body.errors).toBeUndefined();
    const result = body.data!.payCheck;
    expect(result).toEqual({
      userErrors: [],
      idempotentReplay: false,
      remainingAmountCents: 3000,
      payment: {
        id: expect.any(String),
        status: 'APPROVED',
        amountCents: 2000,
        tipCents: 300,
        currency: 'USD',
        entryMode: 'CARD_NOT_PRESENT',
        processor: 'EXTERNAL',
        processorReference: invoice,
        authorizationCode: 'OK1234',
        check: { id },
        card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', holderName: 'Ada Lovelace' },
      },
    });
    expect(await h.eventsOf(result.payment.id)).toEqual(['payment.approved']);
    // The tip is not part of what the check owes: 2000 of 5000 paid.
    expect(await money(posRef, 5000)).toEqual(
      expect.objectContaining({ amountPaid: 2000, amountDue: 3000, dualPricing: null }),
    );
  });

  it('stores only the seed’s card fields, the tokens sealed, and never logs a token', async () => {
    const { posRef } = await openCheck(1000);
    const token = `tok_secret_${randomUUID()}`;
    const universalToken = `utok_secret_${randomUUID()}`;
    const { body } = await payCheck({ posRef, amountMinor: 1000, universalToken, card: { ...CARD, token } });
    const paymentId = body.data!.payCheck.payment.id;
    const columns = await h.sql<{ column_name: string }>(
      `select column_name from information_schema.columns where table_schema = 'payments' and table_name = 'payment_card'
       order by ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual([
      'payment_id',
      'type',
      'last4_digits',
      'expiration_date',
      'holder_name',
      'token_sealed',
      'universal_token_sealed',
    ]);
    const [card] = await h.sql<{ token_sealed: string; universal_token_sealed: string }>(
      'select token_sealed, universal_token_sealed from payments.payment_card where payment_id = ?',
      [paymentId],
    );
    expect(card.token_sealed).not.toContain(token);
    const key = purposeKey(Buffer.from(TEST_ENV.KEY_ENCRYPTION_KEY, 'base64'), 'payments/card-tokens');
    expect(decrypt(card.token_sealed, key)).toBe(token);
    expect(decrypt(card.universal_token_sealed, key)).toBe(universalToken);
    // Nothing of the card but the fields above, anywhere in the payments schema.
    const dump = await h.sql<{ row: string }>(
      `select row_to_json(p)::text as row from payments.payment p where id = ?`,
      [paymentId],
    );
    expect(dump[0].row).not.toContain(token);
    // A refused request logs too (at trace level here): neither reaches a log line.
    await payCheck({ posRef, amountMinor: 1, card: { ...CARD, token } });
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(token);
    expect(logLines.join('\n')).not.toContain(universalToken);
  });

  it.each([
    ['last4Digits of 3 digits', { card: { ...CARD, last4Digits: '424' } }, 'card.last4Digits'],
    ['last4Digits of 5 digits', { card: { ...CARD, last4Digits: '42424' } }, 'card.last4Digits'],
    ['letters in last4Digits', { card: { ...CARD, last4Digits: '42a4' } }, 'card.last4Digits'],
    ['expiry month 13', { card: { ...CARD, expirationDate: '1399' } }, 'card.expirationDate'],
    ['an expired card', { card: { ...CARD, expirationDate: '0120' } }, 'card.expirationDate'],
    ['expiry not MMYY', { card: { ...CARD, expirationDate: '12/40' } }, 'card.expirationDate'],
    ['a blank token', { card: { ...CARD, token: ' ' } }, 'card.token'],
    ['a zero amount', { amountMinor: 0 }, 'amountMinor'],
    ['a negative amount', { amountMinor: -100 }, 'amountMinor'],
    ['a negative tip', { tipMinor: -1 }, 'tipMinor'],
    ['a blank invoice', { transaction: { authorizationCode: 'A', invoice: '' } }, 'transaction.invoice'],
    [
      'a blank authorization code',
      { transaction: { authorizationCode: ' ', invoice: 'X' } },
      'transaction.authorizationCode',
    ],
  ])('refuses %s with a VALIDATION user error on its field, and records nothing', async (_name, input, field) => {
    const before = await h.counts();
    const { body } = await payCheck({ posRef: '1-101', ...input });
    expect(body.errors).toBeUndefined();
    expect(body.data!.payCheck).toMatchObject({ payment: null, remainingAmountCents: null, idempotentReplay: false });
    expect(body.data!.payCheck.userErrors).toContainEqual({
      code: 'VALIDATION',
      field: ['input', ...field.split('.')],
      message: expect.any(String),
    });
    expect(await h.counts()).toEqual(before);
  });

  it('takes an expiry as good through the end of its month', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(cardProblems({ ...CARD, expirationDate: '1126' }, now)).toEqual([]);
    expect(cardProblems({ ...CARD, expirationDate: '1026' }, now)).toEqual([
      'card.expirationDate: the card expired at the end of 10/2026',
    ]);
  });

  it('refuses more than the check owes, a locked check and a closed one, recording nothing', async () => {
    const before = await h.counts();
    const over = await payCheck({ posRef: '1-101', amountMinor: 1567 });
    expect(errorOf(over.body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_due' });
    expect(over.body.data!.payCheck.userErrors).toEqual([
      { code: 'AMOUNT_EXCEEDS_DUE', field: ['input', 'amountMinor'], message: expect.stringMatching(/still owes/) },
      { code: 'AMOUNT_EXCEEDS_DUE', field: null, message: 'amount due: 1566' },
    ]);

    const locked = await payCheck({ posRef: '1-104', amountMinor: 100 });
    expect(errorOf(locked.body)).toEqual({ code: 'CONFLICT', reason: 'check_locked' });

    const { posRef, id } = await openCheck(800);
    const closed = await h.checks.call(
      `mutation($id: ID!) { closeCheck(input: { checkId: $id }) { check { status } } }`,
      { id },
      mobile,
    );
    expect(closed.body.data?.closeCheck.check.status).toBe('CLOSED');
    const onClosed = await payCheck({ posRef, amountMinor: 100 });
    expect(errorOf(onClosed.body)).toEqual({ code: 'CONFLICT', reason: 'check_not_open' });
    expect(await h.counts()).toEqual(before);
  });

  it('answers a repeated registration of one processor transaction with the first payment', async () => {
    const { posRef } = await openCheck(1000);
    const transaction = { authorizationCode: 'AUTH01', invoice: `INV-${randomUUID()}` };
    const first = await payCheck({ posRef, amountMinor: 600, transaction });
    const again = await payCheck({ posRef, amountMinor: 600, transaction });
    expect(again.body.data!.payCheck).toEqual({
      ...first.body.data!.payCheck,
      idempotentReplay: true,
    });
    expect(await money(posRef, 1000)).toEqual(expect.objectContaining({ amountPaid: 600 }));

    // The same invoice with other details, or on another check, is someone else's transaction.
    const changed = await payCheck({ posRef, amountMinor: 400, transaction });
    expect(errorOf(changed.body)).toEqual({ code: 'CONFLICT', reason: 'invoice_already_registered' });
    const elsewhere = await payCheck({ posRef: '1-102', amountMinor: 600, transaction });
    expect(errorOf(elsewhere.body)).toEqual({ code: 'CONFLICT', reason: 'invoice_already_registered' });
  });

  it('registers one processor transaction once even when it is sent to several checks at the same moment', async () => {
    const targets = await Promise.all([openCheck(1000), openCheck(1000), openCheck(1000), openCheck(1000)]);
    const transaction = { authorizationCode: 'AUTH03', invoice: `INV-${randomUUID()}` };
    const answers = await Promise.all(targets.map(({ posRef }) => payCheck({ posRef, amountMinor: 500, transaction })));
    expect(answers.filter((a) => !refused(a.body))).toHaveLength(1);
    expect(answers.filter((a) => errorOf(a.body).reason === 'invoice_already_registered')).toHaveLength(3);
    const [row] = await h.sql<{ n: number }>(
      'select count(*)::int as n from payments.payment where processor_reference = ?',
      [transaction.invoice],
    );
    expect(row.n).toBe(1);
  });

  it('replays an Idempotency-Key and refuses it with another body', async () => {
    const { posRef } = await openCheck(1000);
    const key = randomUUID();
    const transaction = { authorizationCode: 'AUTH02', invoice: `INV-${randomUUID()}` };
    const first = await payCheck({ posRef, amountMinor: 250, transaction }, key);
    const replay = await payCheck({ posRef, amountMinor: 250, transaction }, key);
    expect(replay.body.data!.payCheck).toEqual({ ...first.body.data!.payCheck, idempotentReplay: true });
    const reused = await payCheck({ posRef, amountMinor: 300, transaction }, key);
    expect(errorOf(reused.body)).toEqual({ code: 'UNPROCESSABLE', reason: 'idempotency_key_reused' });
  });

  it('keeps tenants apart: another partner cannot pay or see what a check was paid', async () => {
    const { posRef } = await openCheck(1000);
    await payCheck({ posRef, amountMinor: 400 });
    const theirs = await payCheck({ posRef, amountMinor: 100 }, null, otherMobile);
    expect(errorOf(theirs.body).code).toBe('NOT_FOUND');
    expect(theirs.body.errors![0].message).toBe('Check not found');
    expect(await money(posRef, 1000, null, otherMobile)).toEqual(
      expect.objectContaining({ amountPaid: 0, amountDue: 1000, payments: { nodes: [] } }),
    );
    // A POS user of location 2 only does not see location 1's checks either.
    const user = { ...posUser([2]), scopes: mobile.scopes };
    expect(errorOf((await payCheck({ posRef, amountMinor: 100 }, null, user)).body).code).toBe('NOT_FOUND');
    // Without the mobile payments scope, nothing.
    const noScope = await payCheck({ posRef, amountMinor: 100 }, null, partnerPrincipal('demo', [SCOPES.posPayments]));
    expect(errorOf(noScope.body).code).toBe('FORBIDDEN');
  });

  it('reports 0 due on a fully paid check, and the cash figures under dual pricing', async () => {
    const { posRef } = await openCheck(1040);
    expect(await money(posRef, 1040, 1000)).toEqual(
      expect.objectContaining({ amountDue: 1040, dualPricing: { cashTotal: 1000, cashAmountDue: 1000 } }),
    );
    await payCheck({ posRef, amountMinor: 520 });
    expect(await money(posRef, 1040, 1000)).toEqual(
      expect.objectContaining({ amountDue: 520, dualPricing: { cashTotal: 1000, cashAmountDue: 500 } }),
    );
    const last = await payCheck({ posRef, amountMinor: 520 });
    expect(last.body.data!.payCheck.remainingAmountCents).toBe(0);
    expect(await money(posRef, 1040, 1000)).toEqual(
      expect.objectContaining({
        amountPaid: 1040,
        amountDue: 0,
        dualPricing: { cashTotal: 1000, cashAmountDue: 0 },
      }),
    );
    const more = await payCheck({ posRef, amountMinor: 1 });
    expect(errorOf(more.body).reason).toBe('amount_exceeds_due');
  });

  it('leaves voids, refunds and settlement of a registered sale to the provider’s processor', async () => {
    const { posRef } = await openCheck(700);
    const { body } = await payCheck({ posRef, amountMinor: 700 });
    const paymentId = body.data!.payCheck.payment.id;
    const refunder = { ...demo, scopes: [...demo.scopes, SCOPES.mobilePayments] };
    expect(errorOf((await h.void(paymentId, null, refunder)).body)).toEqual({
      code: 'CONFLICT',
      reason: 'payment_external',
    });
    expect(errorOf((await h.refund({ paymentId }, null, refunder)).body)).toEqual({
      code: 'CONFLICT',
      reason: 'payment_external',
    });
    await h.call(CLOSE_BATCH, { locationId: '1' }, demo);
    const [row] = await h.sql<{ settled_at: Date | null; status: string }>(
      'select settled_at, status from payments.payment where id = ?',
      [paymentId],
    );
    expect(row).toEqual({ settled_at: null, status: 'APPROVED' });
  });

  it('computes the cash amount due as the unpaid share at cash prices', () => {
    expect(cashAmountDue(1040, 1000, 1040)).toBe(1000);
    expect(cashAmountDue(1040, 1000, 520)).toBe(500);
    expect(cashAmountDue(1040, 1000, 1)).toBe(1);
    expect(cashAmountDue(1040, 1000, 0)).toBe(0);
    expect(cashAmountDue(0, 0, 0)).toBe(0);
  });

  it('never overpays a check under concurrent registrations (the ledger lock is in the database)', async () => {
    const { posRef } = await openCheck(1000);
    const answers = await Promise.all(Array.from({ length: 25 }, () => payCheck({ posRef, amountMinor: 100 })));
    const ok = answers.filter((a) => !refused(a.body));
    expect(ok).toHaveLength(10);
    expect(answers.filter((a) => errorOf(a.body).reason === 'amount_exceeds_due')).toHaveLength(15);
    expect(await money(posRef, 1000)).toEqual(expect.objectContaining({ amountPaid: 1000, amountDue: 0 }));
  });
});
