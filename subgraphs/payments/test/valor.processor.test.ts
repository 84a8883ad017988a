import { type IncomingHttpHeaders, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryLogger } from '@pos/testing';
import { CLOSE_BATCH, type PaymentsHarness, errorOf, startPayments } from './support';

const API_KEY = 'valor-test-key-123';
const TIMEOUT_MS = 400;

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** Sessions of the payments database left inside a transaction while the processor was being called. */
  openTransactions?: number;
}

type Behaviour = 'answer' | 'decline' | 'fail' | 'hang' | 'garbage';

/**
 * A stand-in for Valor's API on 127.0.0.1: it records every request as it arrived and answers the way a processor
 * does, or declines, fails with a 500, answers something unexpected, or never answers, per path.
 */
class FakeValor {
  readonly requests: Recorded[] = [];
  behaviour: Partial<Record<string, Behaviour>> = {};
  /** Called with each sale while it is being handled, before the answer goes out. */
  onSale: (record: Recorded) => Promise<void> = async () => {};
  private server!: Server;
  private hanging: ServerResponse[] = [];
  private counter = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const record: Recorded = {
          method: req.method!,
          path: req.url!,
          headers: req.headers,
          body: text ? JSON.parse(text) : null,
        };
        this.requests.push(record);
        void this.answer(record, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async answer(record: Recorded, res: ServerResponse) {
    if (record.path === '/v1/sale') await this.onSale(record);
    const behaviour = this.behaviour[record.path] ?? 'answer';
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const n = ++this.counter;
    if (behaviour === 'hang') return void this.hanging.push(res);
    if (behaviour === 'fail') return send(500, { error: 'internal' });
    if (behaviour === 'garbage') return send(200, { status: 'maybe' });
    if (record.path === '/v1/sale') {
      return behaviour === 'decline'
        ? send(200, { status: 'declined', decline_code: 'do_not_honor', transaction_id: `txn_${n}` })
        : send(200, { status: 'approved', transaction_id: `txn_${n}`, auth_code: `A${n}` });
    }
    if (record.path === '/v1/refund') return send(200, { refund_id: `rf_${n}` });
    return send(200, {});
  }

  /** The requests to `path` since the last reset. */
  to(path: string) {
    return this.requests.filter((request) => request.path === path);
  }

  reset() {
    this.requests.length = 0;
    this.behaviour = {};
  }

  async close() {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const LINES = [
  {
    productCode: 'SKU-100',
    description: 'Espresso beans 1kg',
    quantity: 2,
    unitOfMeasure: 'EA',
    unitCostMinor: 500,
    taxMinor: 34,
    discountMinor: 0,
  },
  {
    productCode: 'SKU-200',
    description: 'Milk',
    quantity: 3,
    unitOfMeasure: 'LTR',
    unitCostMinor: 100,
    taxMinor: 0,
    discountMinor: 100,
  },
];
const WIRE_LINES = [
  {
    product_code: 'SKU-100',
    description: 'Espresso beans 1kg',
    quantity: 2,
    unit_of_measure: 'EA',
    unit_cost: '5.00',
    tax_amount: '0.34',
    discount_amount: '0.00',
  },
  {
    product_code: 'SKU-200',
    description: 'Milk',
    quantity: 3,
    unit_of_measure: 'LTR',
    unit_cost: '1.00',
    tax_amount: '0.00',
    discount_amount: '1.00',
  },
];

describe('payments against Valor over HTTP', () => {
  const valor = new FakeValor();
  let h: PaymentsHarness;

  beforeAll(async () => {
    const url = await valor.start();
    h = await startPayments({
      // Quiet: the failures below are logged as warnings on purpose.
      logger: memoryLogger('payments').logger,
      env: { VALOR_API_URL: url, VALOR_API_KEY: API_KEY, VALOR_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
    valor.onSale = async (record) => {
      const [row] = await h.sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where state like 'idle in transaction%' and datname = current_database()`,
      );
      record.openTransactions = row.n;
    };
  });
  afterAll(async () => {
    await h?.close();
    await valor.close();
  });
  beforeEach(() => valor.reset());

  const paymentsOf = (orderId: string) =>
    h.sql<{ id: string; status: string; failure_code: string | null; processor_reference: string | null }>(
      'select id, status, failure_code, processor_reference from payments.payment where order_id = ?',
      [orderId],
    );

  describe('sales', () => {
    it('sends a card-present sale with Level 3 data, the order’s external reference as customer_reference', async () => {
      const orderId = await h.createOrder({
        totalMinor: 1234,
        externalReference: 'PO-4471',
        level3: { customerReference: 'CUST-9', lineItems: LINES },
      });
      const payment = await h.payOk({ orderId, amountMinor: 1234, cardToken: 'tok_4242_card' });

      expect(valor.requests).toHaveLength(1);
      const [sale] = valor.requests;
      expect(sale).toMatchObject({ method: 'POST', path: '/v1/sale' });
      expect(sale.headers).toMatchObject({
        authorization: `Bearer ${API_KEY}`,
        'idempotency-key': payment.id,
        'content-type': 'application/json',
      });
      expect(sale.body).toEqual({
        reference: payment.id,
        amount: '12.34',
        currency: 'USD',
        entry_mode: 'card_present',
        card_token: 'tok_4242_card',
        level3: { customer_reference: 'PO-4471', line_items: WIRE_LINES },
      });
      // The processor was called between transactions: no session of ours sat idle inside one meanwhile.
      expect(sale.openTransactions).toBe(0);
      expect(payment).toMatchObject({
        status: 'APPROVED',
        processorReference: expect.stringMatching(/^txn_\d+$/),
        authorizationCode: expect.stringMatching(/^A\d+$/),
      });
    });

    it('sends Level 3’s own customerReference when the order has no external reference', async () => {
      const orderId = await h.createOrder({
        totalMinor: 1234,
        level3: { customerReference: 'CUST-77', lineItems: LINES },
      });
      await h.payOk({ orderId, amountMinor: 1234 });
      expect(valor.to('/v1/sale')[0].body.level3).toEqual({ customer_reference: 'CUST-77', line_items: WIRE_LINES });
    });

    it('sends no Level 3 with a card-not-present sale, nor for an order without it', async () => {
      const withLevel3 = await h.createOrder({
        totalMinor: 1234,
        externalReference: 'PO-1',
        level3: { lineItems: LINES },
      });
      const payment = await h.payOk({ orderId: withLevel3, amountMinor: 1234, entryMode: 'CARD_NOT_PRESENT' });
      const plain = await h.createOrder({ totalMinor: 500, externalReference: 'PO-2' });
      await h.payOk({ orderId: plain, amountMinor: 500 });

      const [cnp, cp] = valor.to('/v1/sale');
      expect(cnp.body).toEqual({
        reference: payment.id,
        amount: '12.34',
        currency: 'USD',
        entry_mode: 'card_not_present',
        card_token: 'tok_visa',
      });
      expect(cp.body).not.toHaveProperty('level3');
      expect(cp.body.entry_mode).toBe('card_present');
    });

    it('converts amounts with the currency’s own minor units', async () => {
      const orderId = await h.createOrder({ totalMinor: 1500, currency: 'JPY' });
      await h.payOk({ orderId, amountMinor: 1500, currency: 'JPY' });
      expect(valor.to('/v1/sale')[0].body).toMatchObject({ amount: '1500', currency: 'JPY' });
    });

    it('records a decline with the processor’s code and reference', async () => {
      valor.behaviour['/v1/sale'] = 'decline';
      const orderId = await h.createOrder({ totalMinor: 300 });
      const payment = await h.payOk({ orderId, amountMinor: 300 });
      expect(payment).toMatchObject({
        status: 'DECLINED',
        failureCode: 'do_not_honor',
        processorReference: expect.stringMatching(/^txn_\d+$/),
        authorizationCode: null,
      });
      expect(valor.to('/v1/void')).toEqual([]);
      expect(await h.eventsOf(payment.id)).toEqual([]);
    });

    it.each<[string, Behaviour]>([
      ['answers 500', 'fail'],
      ['does not answer in time', 'hang'],
      ['answers neither an approval nor a decline', 'garbage'],
    ])('cancels the payment and voids it by our reference when the processor %s', async (_, behaviour) => {
      valor.behaviour['/v1/sale'] = behaviour;
      const orderId = await h.createOrder({ totalMinor: 400 });
      const started = Date.now();
      const { body } = await h.pay({ orderId, amountMinor: 400 });
      expect(errorOf(body)).toEqual({ code: 'UNAVAILABLE', reason: 'processor_unavailable' });
      if (behaviour === 'hang') expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);

      const [row] = await paymentsOf(orderId);
      expect(row).toMatchObject({ status: 'CANCELLED', failure_code: 'processor_unavailable' });
      expect(valor.to('/v1/sale')).toHaveLength(1);
      const voids = valor.to('/v1/void');
      expect(voids.map((v) => v.body)).toEqual([{ reference: row.id, transaction_id: null }]);
      expect(voids[0].headers).toMatchObject({
        authorization: `Bearer ${API_KEY}`,
        'idempotency-key': `void:${row.id}`,
      });
      expect(await h.eventsOf(row.id)).toEqual(['payment.cancelled']);
    });
  });

  describe('voids, refunds and batches', () => {
    it('voids with the processor’s transaction id', async () => {
      const orderId = await h.createOrder({ totalMinor: 600 });
      const payment = await h.payOk({ orderId, amountMinor: 600 });
      const { body } = await h.void(payment.id);
      expect(body.data!.voidPayment.payment.status).toBe('VOIDED');
      const [request] = valor.to('/v1/void');
      expect(request.headers).toMatchObject({
        authorization: `Bearer ${API_KEY}`,
        'idempotency-key': `void:${payment.id}`,
        'content-type': 'application/json',
      });
      expect(request.body).toEqual({ reference: payment.id, transaction_id: payment.processorReference });
    });

    it('refunds with a decimal amount, the transaction id and the refund’s own id as reference', async () => {
      const orderId = await h.createOrder({ totalMinor: 1000 });
      const payment = await h.payOk({ orderId, amountMinor: 1000 });
      const { body } = await h.refund({ paymentId: payment.id, amountMinor: 250 });
      const refund = body.data!.refundPayment.refund;
      expect(refund).toMatchObject({ status: 'SUCCEEDED', processorReference: expect.stringMatching(/^rf_\d+$/) });
      const [request] = valor.to('/v1/refund');
      expect(request.headers).toMatchObject({ authorization: `Bearer ${API_KEY}`, 'idempotency-key': refund.id });
      expect(request.body).toEqual({
        reference: refund.id,
        transaction_id: payment.processorReference,
        amount: '2.50',
        currency: 'USD',
      });
    });

    it('closes a batch with the transaction ids of the location’s open approved payments', async () => {
      await h.call(CLOSE_BATCH, { locationId: '2' });
      valor.reset();
      const first = await h.payOk({
        orderId: await h.createOrder({ totalMinor: 100, locationId: '2' }),
        amountMinor: 100,
      });
      const second = await h.payOk({
        orderId: await h.createOrder({ totalMinor: 200, locationId: '2' }),
        amountMinor: 200,
      });
      const { body } = await h.call(CLOSE_BATCH, { locationId: '2' });
      expect(body.data!.closeBatch.settledCount).toBe(2);
      const [request] = valor.to('/v1/batch/close');
      expect(request.body.transaction_ids.sort()).toEqual([first.processorReference, second.processorReference].sort());
      expect(request.headers['idempotency-key']).toMatch(/^settle:[0-9a-f]{64}$/);
    });

    it('settles nothing and answers UNAVAILABLE when the processor fails to close the batch', async () => {
      await h.call(CLOSE_BATCH, { locationId: '2' });
      const payment = await h.payOk({
        orderId: await h.createOrder({ totalMinor: 100, locationId: '2' }),
        amountMinor: 100,
      });
      valor.behaviour['/v1/batch/close'] = 'fail';
      const { body } = await h.call(CLOSE_BATCH, { locationId: '2' });
      expect(errorOf(body)).toEqual({ code: 'UNAVAILABLE', reason: 'processor_unavailable' });
      expect(await h.sql('select settled_at from payments.payment where id = ?', [payment.id])).toEqual([
        { settled_at: null },
      ]);
      expect((await h.void(payment.id)).body.data!.voidPayment.payment.status).toBe('VOIDED');
    });

    it('keeps a refund of unknown outcome pending and its key held, so a retry completes that same refund', async () => {
      const orderId = await h.createOrder({ totalMinor: 1000 });
      const payment = await h.payOk({ orderId, amountMinor: 1000 });
      valor.behaviour['/v1/refund'] = 'fail';
      const key = `refund-${payment.id}`;
      const failed = await h.refund({ paymentId: payment.id, amountMinor: 400 }, key);
      expect(errorOf(failed.body)).toEqual({ code: 'UNAVAILABLE', reason: 'processor_unavailable' });
      const refunds = () =>
        h.sql<{ id: string; status: string }>('select id, status from payments.refund where payment_id = ?', [
          payment.id,
        ]);
      const [pending] = await refunds();
      expect(pending.status).toBe('PENDING');
      // Its amount stays reserved: only 600 is left to refund meanwhile.
      const tooMuch = await h.refund({ paymentId: payment.id, amountMinor: 601 });
      expect(errorOf(tooMuch.body)).toEqual({ code: 'UNPROCESSABLE', reason: 'amount_exceeds_refundable' });
      // The key is still held by the unfinished refund.
      expect(errorOf((await h.refund({ paymentId: payment.id, amountMinor: 400 }, key)).body)).toEqual({
        code: 'CONFLICT',
        reason: 'idempotency_key_in_use',
      });

      valor.behaviour = {};
      await h.sql(`update payments.idempotency_key set lease_until = now() - interval '1 second' where key = ?`, [key]);
      const resumed = await h.refund({ paymentId: payment.id, amountMinor: 400 }, key);
      expect(resumed.body.data!.refundPayment).toMatchObject({
        refund: { id: pending.id, amountCents: 400, status: 'SUCCEEDED' },
        payment: { status: 'PARTIALLY_REFUNDED', refundedCents: 400 },
      });
      // The processor saw the same refund reference twice, never a second refund.
      const refundCalls = valor.requests.filter((r) => r.path === '/v1/refund');
      expect(new Set(refundCalls.map((r) => (r.body as { reference: string }).reference))).toEqual(
        new Set([pending.id]),
      );
      expect(await refunds()).toHaveLength(1);
    });

    it('keeps the payment approved and voidable when the processor fails the void', async () => {
      const orderId = await h.createOrder({ totalMinor: 1000 });
      const payment = await h.payOk({ orderId, amountMinor: 1000 });
      valor.behaviour['/v1/void'] = 'hang';
      const failed = await h.void(payment.id);
      expect(errorOf(failed.body)).toEqual({ code: 'UNAVAILABLE', reason: 'processor_unavailable' });
      const [row] = await h.sql<{ status: string; void_requested_at: Date | null }>(
        'select status, void_requested_at from payments.payment where id = ?',
        [payment.id],
      );
      expect(row).toEqual({ status: 'APPROVED', void_requested_at: null });

      valor.behaviour = {};
      expect((await h.void(payment.id)).body.data!.voidPayment.payment.status).toBe('VOIDED');
      expect(await h.eventsOf(payment.id)).toEqual(['payment.approved', 'payment.voided']);
    });
  });
});
