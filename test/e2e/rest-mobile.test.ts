import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@pos/kit';
import { ValorSandbox } from '@pos/payments/src/modules/processor/valor.sandbox';
import { countRows, restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

const CARD = { type: 'VS', last4Digits: '4242', expirationDate: '1240', holderName: 'Ada Lovelace', token: 'tok_visa' };

describe('REST facade: mobile payments v2 (checks)', () => {
  let stack: Stack;
  /** A token holding only the mobile payments scope, as a mobile provider gets it (Access Token Exchange Flow). */
  let mobile: string;
  let other: string;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    // Every service logs at trace level into one sink, so the test can show no card token reaches a log line.
    const logger = (name: string) => createLogger(name, 'trace', sink);
    stack = await startStack({
      loggers: Object.fromEntries(['orders', 'checks', 'payments', 'loyalty', 'gateway'].map((n) => [n, logger(n)])),
    });
    [mobile, other] = await Promise.all([
      stack.token('demo-partner', 'demo-secret', 'tilt/mobile:payments'),
      stack.token('other-partner', 'other-secret', 'tilt/mobile:payments'),
    ]);
  });
  afterAll(() => stack?.close());

  const call = restClient(
    () => stack,
    () => mobile,
  );
  const pay = (locationId: number, posRef: string, body: Record<string, unknown>, token = mobile) =>
    call('POST', `/pos/v2/${locationId}/checks/${encodeURIComponent(posRef)}/pay`, { token, body });
  const seedError = (status: number, message: string | RegExp = expect.any(String)) => ({
    status,
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    message: message instanceof RegExp ? expect.stringMatching(message) : message,
    details: expect.any(Array),
  });
  /** A check opened through the gateway's GraphQL (as a POS terminal would), with one item of `price` cents. */
  const openCheck = async (price: number, extra: Record<string, unknown> = {}) => {
    const posRef = `M-${randomUUID().slice(0, 8)}`;
    const posToken = await stack.token();
    const opened = await stack.graphql(
      `mutation($input: OpenCheckInput!) { openCheck(input: $input) { check { id } } }`,
      {
        input: {
          locationId: '1',
          posRef,
          orderNumber: posRef.slice(2),
          tableName: 'Patio 4',
          guestCount: 2,
          ownedByEmployeeRef: 'EMP-7',
          ownedByEmployee: 'Sam Lee',
          ...extra,
        },
      },
      posToken,
    );
    expect(opened.body.errors).toBeUndefined();
    const id = opened.body.data!.openCheck.check.id as string;
    const added = await stack.graphql(
      `mutation($input: AddCheckItemInput!) { addCheckItem(input: $input) { check { total { amountMinor } } } }`,
      {
        input: { checkId: id, item: { posRef: 'ITEM-TASTING', name: 'Tasting menu', quantity: 1, priceMinor: price } },
      },
      posToken,
    );
    expect(added.body.errors).toBeUndefined();
    return {
      posRef,
      id,
      orderNumber: posRef.slice(2),
      total: added.body.data!.addCheckItem.check.total.amountMinor as number,
    };
  };
  const checkPayments = async (checkId: string) => countRows(stack, 'payments.payment', 'check_id = ?', [checkId]);

  it('runs the seed’s six-step flow with a split payment that ends with 0 remaining', async () => {
    // The check a guest is paying: opened at the POS with a tax, so its total is not a round number.
    const { posRef, orderNumber, id } = await openCheck(4550);
    const tax = await stack.graphql(
      `mutation($id: ID!) { applyCheckTax(input: { checkId: $id, tax: { name: "Sales tax", kind: STANDARD, rateBps: 800 } }) {
        check { total { amountMinor currency } } } }`,
      { id },
    );
    expect(tax.body.data!.applyCheckTax.check.total).toEqual({ amountMinor: 4914, currency: 'USD' });

    // 1–2. Find the check by its order number.
    const found = await call('GET', `/pos/v2/1/checks?filter.orderNumber=${orderNumber}`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ results: [expect.objectContaining({ posRef, orderNumber })], meta: {} });
    const check = found.body.results[0];
    expect(Object.keys(check)).toEqual([
      'posRef',
      'orderNumber',
      'tableName',
      'guestCount',
      'status',
      'openedAt',
      'ownedByEmployeeRef',
      'ownedByEmployee',
      'subtotal',
      'dualPricing',
      'supplementalFee',
      'taxes',
      'otherTaxes',
      'taxList',
      'hiddenTaxList',
      'gratuity',
      'total',
      'paymentAmountDue',
      'paymentAmountPaid',
      'isLocked',
      'items',
    ]);
    expect(check).toEqual(
      expect.objectContaining({
        status: 'OPEN',
        tableName: 'Patio 4',
        guestCount: 2,
        subtotal: 4550,
        taxes: 364,
        otherTaxes: 0,
        taxList: [{ name: 'Sales tax', amount: 364 }],
        hiddenTaxList: [],
        gratuity: 0,
        total: 4914,
        paymentAmountDue: 4914,
        paymentAmountPaid: 0,
        isLocked: false,
        dualPricing: null,
        supplementalFee: null,
        items: [{ posRef: 'ITEM-TASTING', name: 'Tasting menu', quantity: 1, modifiersAsText: null, price: 4550 }],
      }),
    );

    // 3–4. The provider runs the sale with its processor (Valor's sandbox here) and receives the payment data.
    const processor = new ValorSandbox();
    const split = [2500, check.paymentAmountDue - 2500];
    const remaining: string[] = [];
    for (const amount of split) {
      const sale = await processor.sale({
        reference: randomUUID(),
        amountCents: amount,
        currency: 'USD',
        entryMode: 'card_not_present',
        cardToken: CARD.token,
        level3: null,
      });
      if (!sale.approved) throw new Error('the sandbox approves tok_visa');
      // 5–6. Register the payment data on the check; receive the payment's reference and the remaining amount.
      const paid = await pay(1, posRef, {
        amount,
        tip: 200,
        card: CARD,
        transaction: { authorizationCode: sale.authorizationCode, invoice: sale.processorReference },
      });
      expect(paid.status).toBe(200);
      expect(paid.body).toEqual({
        paymentRef: expect.stringMatching(/^[0-9a-f-]{36}$/),
        remainingAmount: expect.any(String),
      });
      remaining.push(paid.body.remainingAmount);
    }
    expect(remaining).toEqual(['2414', '0']);

    const after = await call('GET', `/pos/v2/1/checks/${posRef}`);
    expect(after.body).toEqual(expect.objectContaining({ paymentAmountPaid: 4914, paymentAmountDue: 0 }));
    // REST and GraphQL agree: both read the payments ledger through federation.
    const graph = await stack.graphql(
      `query($id: ID!) { check(id: $id) { amountPaid { amountMinor currency } amountDue { amountMinor currency } payments { nodes { tipCents } } } }`,
      {
        id,
      },
    );
    expect(graph.body.data!.check).toEqual({
      amountPaid: { amountMinor: 4914, currency: 'USD' },
      amountDue: { amountMinor: 0, currency: 'USD' },
      payments: { nodes: [{ tipCents: 200 }, { tipCents: 200 }] },
    });
    // Each payment emitted payment.approved through the outbox.
    expect(
      await countRows(
        stack,
        'payments.payment_event',
        `type = 'payment.approved' and payment_id in (select id from payments.payment where check_id = ?)`,
        [id],
      ),
    ).toBe(2);
  });

  it('returns the same checks for the filter as URI parameters and as a JSON object', async () => {
    const { orderNumber } = await openCheck(1200);
    const forms = [
      `filter.status=OPEN&filter.orderNumber=${orderNumber}`,
      `filter=${encodeURIComponent(JSON.stringify({ status: ['OPEN'], orderNumber }))}`,
      `filter=${encodeURIComponent(JSON.stringify({ orderNumber }))}`,
    ];
    const answers = await Promise.all(forms.map((query) => call('GET', `/pos/v2/1/checks?${query}`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.results.map((c: { orderNumber: string }) => c.orderNumber)).toEqual([orderNumber]);
    }
    expect(answers[1].body).toEqual(answers[0].body);

    // Without a filter: the location's open checks, the seeded ones among them.
    const all = await call('GET', '/pos/v2/1/checks');
    const byStatus = await call('GET', '/pos/v2/1/checks?filter.status=OPEN');
    const asJson = await call('GET', `/pos/v2/1/checks?filter=${encodeURIComponent('{"status":"OPEN"}')}`);
    expect(all.body.results.map((c: { posRef: string }) => c.posRef)).toEqual(
      expect.arrayContaining(['1-101', '1-102', '1-103', '1-104']),
    );
    expect(byStatus.body).toEqual(all.body);
    expect(asJson.body).toEqual(all.body);
  });

  it.each([
    ['an unknown status', 'filter.status=CLOSED', 'query.filter.status'],
    ['an unknown status in JSON', `filter=${encodeURIComponent('{"status":["PAID"]}')}`, 'query.filter'],
    ['malformed JSON', `filter=${encodeURIComponent('{"orderNumber":')}`, 'query.filter'],
    ['JSON that is not an object', 'filter=42', 'query.filter'],
    ['an unknown filter field', `filter=${encodeURIComponent('{"table":"T1"}')}`, 'query.filter'],
    ['both forms at once', `filter=${encodeURIComponent('{}')}&filter.orderNumber=1`, 'query.filter'],
    ['an unknown parameter', 'status=OPEN', 'query'],
  ])('answers %s with a 400 in the seed’s error body', async (_name, query, field) => {
    const { status, body } = await call('GET', `/pos/v2/1/checks?${query}`);
    expect(status).toBe(400);
    expect(body).toEqual(seedError(400, 'Validation error'));
    expect(Object.keys(body)).toEqual(['status', 'timestamp', 'message', 'details']);
    expect(body.details.join('\n')).toContain(field);
  });

  it('answers an unknown check with exactly the seed’s 404 body, and another partner’s location with 404', async () => {
    const missing = await call('GET', '/pos/v2/1/checks/NO-SUCH-CHECK');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      status: 404,
      timestamp: expect.any(String),
      message: 'Check not found',
      details: [],
    });

    // Location 3 is the other partner's: its checks are not found for demo, and demo's are not found for them.
    expect((await call('GET', '/pos/v2/3/checks')).status).toBe(404);
    expect((await call('GET', '/pos/v2/3/checks/3-101')).body).toEqual(
      expect.objectContaining({ status: 404, message: 'Check not found' }),
    );
    const theirPay = await pay(3, '3-101', {
      amount: 100,
      card: CARD,
      transaction: { authorizationCode: 'A', invoice: randomUUID() },
    });
    expect(theirPay.status).toBe(404);
    expect(theirPay.body).toEqual(seedError(404, 'Check not found'));
    expect((await call('GET', '/pos/v2/1/checks', { token: other })).status).toBe(404);
    expect(
      (
        await pay(
          1,
          '1-101',
          { amount: 100, card: CARD, transaction: { authorizationCode: 'A', invoice: randomUUID() } },
          other,
        )
      ).status,
    ).toBe(404);
    // Their own location works for them.
    expect((await call('GET', '/pos/v2/3/checks', { token: other })).status).toBe(200);
  });

  it('answers without a token with 401, and a token without the mobile scope with 403, in the seed’s body', async () => {
    const anonymous = await call('GET', '/pos/v2/1/checks', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(seedError(401, 'Unauthorized'));
    const posOnly = await stack.token('demo-partner', 'demo-secret', 'tilt/pos:read');
    const forbidden = await call('GET', '/pos/v2/1/checks', { token: posOnly });
    expect(forbidden.status).toBe(403);
    expect(Object.keys(forbidden.body)).toEqual(['status', 'timestamp', 'message', 'details']);
  });

  it('lets exactly ten of 40 concurrent payments of a tenth of the total through; paid equals total', async () => {
    const { posRef, id, total } = await openCheck(10_000);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        pay(1, posRef, {
          amount: total / 10,
          card: CARD,
          transaction: { authorizationCode: `AUTH${i}`, invoice: `INV-${randomUUID()}` },
        }),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 400);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(30);
    for (const answer of refused) {
      expect(answer.body).toEqual(seedError(400, /more than the check still owes/));
      expect(answer.body.details).toEqual(['amount due: 0']);
    }
    expect(ok.map((a) => Number(a.body.remainingAmount)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => i * 1000),
    );
    const check = await call('GET', `/pos/v2/1/checks/${posRef}`);
    expect(check.body).toEqual(expect.objectContaining({ paymentAmountPaid: total, paymentAmountDue: 0 }));
    expect(await checkPayments(id)).toBe(10);
  });

  it.each([
    ['an unknown card type', { card: { ...CARD, type: 'XX' } }, 'body.card.type'],
    ['a 3-digit last4Digits', { card: { ...CARD, last4Digits: '424' } }, 'card.last4Digits'],
    ['a 5-digit last4Digits', { card: { ...CARD, last4Digits: '42424' } }, 'card.last4Digits'],
    ['expiry 1399', { card: { ...CARD, expirationDate: '1399' } }, 'card.expirationDate'],
    ['an expired card', { card: { ...CARD, expirationDate: '0125' } }, 'card.expirationDate'],
    ['a negative amount', { amount: -100 }, 'body.amount'],
    ['a fractional amount', { amount: 10.5 }, 'body.amount'],
    ['a zero amount', { amount: 0 }, 'body.amount'],
    ['an amount as a string', { amount: '100' }, 'body.amount'],
    ['a negative tip', { tip: -5 }, 'body.tip'],
    ['a missing transaction', { transaction: undefined }, 'body.transaction'],
    ['a missing card', { card: undefined }, 'body.card'],
    ['a missing card token', { card: { ...CARD, token: undefined } }, 'body.card.token'],
    ['a card number where none belongs', { card: { ...CARD, number: '4242424242424242' } }, 'body.card'],
    ['a missing invoice', { transaction: { authorizationCode: 'A' } }, 'body.transaction.invoice'],
  ])('refuses %s with a 400 naming the field, and records no payment', async (_name, change, field) => {
    const { posRef, id } = await openCheck(3000);
    const body = {
      amount: 1000,
      card: CARD,
      transaction: { authorizationCode: 'AUTH', invoice: `INV-${randomUUID()}` },
      ...change,
    };
    const answer = await pay(1, posRef, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(seedError(400, 'Validation error'));
    expect(answer.body.details.join('\n')).toContain(field);
    expect(await checkPayments(id)).toBe(0);
  });

  it('refuses a locked check and an amount above what is due with 400, and a non-JSON body with 415', async () => {
    const locked = await pay(1, '1-104', {
      amount: 100,
      card: CARD,
      transaction: { authorizationCode: 'A', invoice: randomUUID() },
    });
    expect(locked.status).toBe(400);
    expect(locked.body).toEqual(seedError(400, 'The check is locked and cannot be paid'));
    const { posRef } = await openCheck(500);
    const over = await pay(1, posRef, {
      amount: 501,
      card: CARD,
      transaction: { authorizationCode: 'A', invoice: randomUUID() },
    });
    expect(over.status).toBe(400);
    expect(over.body.details).toEqual(['amount due: 500']);
    const text = await call('POST', `/pos/v2/1/checks/${posRef}/pay`, {
      raw: 'amount=5',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('answers a retried registration (same transaction) with the first paymentRef, and replays an Idempotency-Key', async () => {
    const { posRef } = await openCheck(2000);
    const body = {
      amount: 800,
      card: CARD,
      transaction: { authorizationCode: 'AUTH9', invoice: `INV-${randomUUID()}` },
    };
    const first = await pay(1, posRef, body);
    const retried = await pay(1, posRef, body);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(first.body);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');

    const key = randomUUID();
    const again = {
      ...body,
      amount: 100,
      transaction: { authorizationCode: 'AUTH10', invoice: `INV-${randomUUID()}` },
    };
    const keyed = await call('POST', `/pos/v2/1/checks/${posRef}/pay`, {
      body: again,
      headers: { 'idempotency-key': key },
    });
    const replay = await call('POST', `/pos/v2/1/checks/${posRef}/pay`, {
      body: again,
      headers: { 'idempotency-key': key },
    });
    expect(replay.body).toEqual(keyed.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(keyed.body.remainingAmount).toBe('1100');
  });

  it('shows dual pricing, fees and hidden taxes as the seed defines them', async () => {
    const { posRef, id } = await openCheck(10_400, { dualPricingRateBps: 400 });
    const token = await stack.token();
    for (const [mutation, variables] of [
      [
        `mutation($id: ID!) { result: applyCheckTax(input: { checkId: $id, tax: { name: "VAT", kind: HIDDEN, rateBps: 2000 } }) { userErrors { code } } }`,
        {},
      ],
      [
        `mutation($id: ID!) { result: applyCheckTax(input: { checkId: $id, tax: { name: "City", kind: OTHER, amountMinor: 50 } }) { userErrors { code } } }`,
        {},
      ],
      [
        `mutation($id: ID!) { result: setSupplementalFee(input: { checkId: $id, fee: { name: "Service", rateBps: 1000 } }) { userErrors { code } } }`,
        {},
      ],
      [
        `mutation($id: ID!) { result: setGratuity(input: { checkId: $id, gratuity: { amountMinor: 500 } }) { userErrors { code } } }`,
        {},
      ],
    ] as const) {
      const answer = await stack.graphql(mutation, { id, ...variables }, token);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data!.result.userErrors).toEqual([]);
    }
    const { body } = await call('GET', `/pos/v2/1/checks/${posRef}`);
    expect(body).toEqual(
      expect.objectContaining({
        subtotal: 10_400,
        taxes: 0,
        otherTaxes: 50,
        taxList: [{ name: 'City', amount: 50 }],
        hiddenTaxList: [{ name: 'VAT', amount: 1733 }],
        supplementalFee: { name: 'Service', amount: 1040 },
        gratuity: 500,
        total: 11_990,
        // Cash prices: subtotal 10000; the fee is 10 % of that; fixed amounts stay.
        dualPricing: { cashTotal: 11_550, cashAmountDue: 11_550 },
        paymentAmountDue: 11_990,
      }),
    );
  });

  it('refuses, through the gateway, to edit a paid check below what was paid; the reservations stay internal', async () => {
    const { posRef, id } = await openCheck(4000);
    const posToken = await stack.token();
    const added = await stack.graphql(
      `mutation($id: ID!) { addCheckItem(input: { checkId: $id, item: { posRef: "W", name: "Wine", quantity: 1, priceMinor: 1000 } }) {
        check { items { id } } } }`,
      { id },
      posToken,
    );
    const wine = added.body.data!.addCheckItem.check.items[1].id;
    const paid = await pay(1, posRef, {
      amount: 5000,
      card: CARD,
      transaction: { authorizationCode: 'A', invoice: randomUUID() },
    });
    expect(paid.body.remainingAmount).toBe('0');
    const removed = await stack.graphql(
      `mutation($id: ID!, $item: ID!) { removeCheckItem(input: { checkId: $id, itemId: $item }) {
        userErrors { code field message } check { id } } }`,
      { id, item: wine },
      posToken,
    );
    expect(removed.body.errors).toBeUndefined();
    expect(removed.body.data!.removeCheckItem).toEqual({
      userErrors: [
        {
          code: 'CHECK_TOTAL_BELOW_PAID',
          field: null,
          message: 'The check’s total cannot go below what is paid or being paid on it',
        },
        { code: 'CHECK_TOTAL_BELOW_PAID', field: null, message: 'total: would be 4000; paid or being paid: 5000' },
      ],
      check: null,
    });
    const check = await call('GET', `/pos/v2/1/checks/${posRef}`);
    expect(check.body).toEqual(expect.objectContaining({ total: 5000, paymentAmountPaid: 5000, paymentAmountDue: 0 }));

    // Only the payments subgraph reserves: the public graph has no such field.
    const reserve = await stack.graphql(
      `mutation { reserveCheckAmount(locationId: "1", posRef: "1-101", paymentId: "${randomUUID()}", amountCents: 1) { id } }`,
      {},
      posToken,
    );
    expect(reserve.body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('collects one bill once: paying an order (v1) and its check (v2) at the same moment, one of the two is refused', async () => {
    const partner = await stack.token();
    for (let round = 0; round < 5; round++) {
      const order = await call('POST', '/pos/v1/orders', {
        token: partner,
        body: { location_id: 1, currency: 'USD', total_cents: 2500 },
      });
      expect(order.status).toBe(201);
      const { posRef } = await openCheck(2500, { orderId: order.body.id });
      const [v1, v2] = await Promise.all([
        call('POST', `/pos/v1/orders/${order.body.id}/payments`, {
          token: partner,
          body: { amount_cents: 2500, currency: 'USD', card_token: 'tok_visa' },
        }),
        pay(1, posRef, { amount: 2500, card: CARD, transaction: { authorizationCode: 'A', invoice: randomUUID() } }),
      ]);
      const won = [v1.status === 201, v2.status === 200];
      expect([round, won.filter(Boolean).length]).toEqual([round, 1]);
      if (won[0]) {
        expect(v2.status).toBe(400);
        expect(v2.body).toEqual(seedError(400, /more than the check still owes/));
        expect(v2.body.details).toEqual(['amount due: 0']);
      } else {
        expect(v1.status).toBe(422);
        expect(v1.body).toMatchObject({ code: 'amount_exceeds_due', details: ['amount due: 0'] });
      }
      // One ledger: the order lists the one payment, whichever API took it.
      const read = await stack.graphql(
        `query($id: ID!) { order(id: $id) { payments { nodes { amountCents status } } } }`,
        { id: order.body.id },
        partner,
      );
      expect(read.body.data!.order.payments.nodes).toEqual([{ amountCents: 2500, status: 'APPROVED' }]);
    }
  });

  it('never logs a card token', async () => {
    const { posRef } = await openCheck(900);
    const token = `tok_never_logged_${randomUUID()}`;
    const universalToken = `utok_never_logged_${randomUUID()}`;
    await pay(1, posRef, {
      amount: 900,
      universalToken,
      card: { ...CARD, token },
      transaction: { authorizationCode: 'A', invoice: randomUUID() },
    });
    await pay(1, posRef, {
      amount: 900,
      universalToken,
      card: { ...CARD, token },
      transaction: { authorizationCode: 'A', invoice: randomUUID() },
    });
    expect(logLines.length).toBeGreaterThan(0);
    const logs = logLines.join('\n');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(universalToken);
  });
});
