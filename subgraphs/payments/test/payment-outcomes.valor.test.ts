import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@pos/kit';
import { type PaymentsHarness, VOID_PAYMENT, demo, errorOf, startPayments } from './support';

const API_KEY = 'valor-outcomes-key';

const REVERSE = `mutation($input: ReversePaymentInput!) {
  reversePayment(input: $input) {
    userErrors { code } idempotentReplay payment { id status version reversalRequestedAt }
  }
}`;
const OUTCOME = `mutation($input: SandboxProcessorOutcomeInput!) {
  sandboxProcessorOutcome(input: $input) { eventType payment { id status } }
}`;

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * With VALOR_API_URL set the payments subgraph talks to a real processor over HTTP (here a small stand-in on
 * 127.0.0.1, port 0): the sandbox's outcome control must refuse, and a reversal is posted to the processor.
 */
describe('processor outcomes with a real (HTTP) processor', () => {
  let server: Server;
  let url: string;
  let harness: PaymentsHarness;
  const received: Received[] = [];
  let failReversals = false;

  beforeAll(async () => {
    let n = 0;
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        received.push({ path: req.url!, headers: req.headers, body: text ? JSON.parse(text) : null });
        const send = (status: number, body: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        n += 1;
        if (req.url === '/v1/sale')
          return send(200, { status: 'approved', transaction_id: `txn_${n}`, auth_code: 'A1' });
        if (req.url === '/v1/reversal' && failReversals) return send(502, { error: 'bad gateway' });
        return send(200, {});
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    harness = await startPayments({
      env: { VALOR_API_URL: url, VALOR_API_KEY: API_KEY, VALOR_TIMEOUT_MS: '2000' },
      // The lost reversal below is logged as a warning; expected here, so kept out of the output.
      logger: createLogger('payments', 'error'),
    });
  });
  afterAll(async () => {
    await harness?.close();
    // fetch keeps connections alive; close them, or close() waits for them and the worker lingers.
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function approved(amountCents = 1000) {
    const orderId = await harness.createOrder({ totalMinor: amountCents });
    const payment = await harness.payOk({ orderId, amountMinor: amountCents });
    expect(payment.status).toBe('APPROVED');
    return payment.id as string;
  }

  it('refuses the sandbox control with FORBIDDEN sandbox_only, telling nothing of the processor, writing nothing', async () => {
    const paymentId = await approved();
    const before = await harness.counts();
    for (const id of [paymentId, randomUUID()]) {
      // An unknown payment gets the same answer: the refusal comes before any lookup.
      const { body } = await harness.call(OUTCOME, { input: { paymentId: id, outcome: 'AUTHORIZATION_EXPIRED' } });
      expect(errorOf(body)).toEqual({ code: 'FORBIDDEN', reason: 'sandbox_only' });
      expect(body.errors![0].message).toBe(
        'Processor outcomes can be simulated only with the built-in sandbox processor',
      );
      expect(JSON.stringify(body)).not.toContain('127.0.0.1');
      expect(body.data).toEqual({ sandboxProcessorOutcome: null });
    }
    expect(await harness.counts()).toEqual(before);
    expect(await harness.eventsOf(paymentId)).toEqual(['payment.approved']);
  });

  it('posts a reversal to the processor under our reference and marks the payment, without an event', async () => {
    const paymentId = await approved();
    const sale = received.find((r) => r.path === '/v1/sale' && r.body.reference === paymentId)!;
    received.length = 0;
    const { body } = await harness.call(REVERSE, { input: { paymentId } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.reversePayment.payment).toEqual({
      id: paymentId,
      status: 'APPROVED',
      version: 2,
      reversalRequestedAt: expect.any(String),
    });
    expect(received).toEqual([
      {
        path: '/v1/reversal',
        headers: expect.objectContaining({
          authorization: `Bearer ${API_KEY}`,
          'idempotency-key': `reversal:${paymentId}`,
          'content-type': 'application/json',
        }),
        body: { reference: paymentId, transaction_id: expect.stringMatching(/^txn_\d+$/) },
      },
    ]);
    expect(sale).toBeDefined();
    expect(await harness.eventsOf(paymentId)).toEqual(['payment.approved']);
  });

  it('keeps a reversal whose answer was lost pending, and its key held, answering 503', async () => {
    const paymentId = await approved();
    failReversals = true;
    try {
      const key = randomUUID();
      const { body } = await harness.call(REVERSE, { input: { paymentId, idempotencyKey: key } });
      expect(errorOf(body)).toEqual({ code: 'UNAVAILABLE', reason: 'processor_unavailable' });
      // The processor may have taken it: its outcome must find the reversal still pending, and nothing else may
      // move the money meanwhile.
      const [row] = await harness.sql<{ pending: boolean }>(
        'select reversal_requested_at is not null as pending from payments.payment where id = ?',
        [paymentId],
      );
      expect(row.pending).toBe(true);
      expect(errorOf((await harness.call(VOID_PAYMENT, { input: { paymentId } }, demo)).body)).toEqual({
        code: 'CONFLICT',
        reason: 'reversal_pending',
      });
      // The same key while its lease runs: the first attempt still owns it.
      expect(errorOf((await harness.call(REVERSE, { input: { paymentId, idempotencyKey: key } })).body)).toEqual({
        code: 'CONFLICT',
        reason: 'idempotency_key_in_use',
      });
      expect(await harness.eventsOf(paymentId)).toEqual(['payment.approved']);
    } finally {
      failReversals = false;
    }
  });
});
