import { SCOPES, createLogger, encrypt, purposeKey } from '@pos/kit';
import { partnerPrincipal, startTestSubgraph, TEST_ENV, type TestSubgraph, until } from '@pos/testing';
import { Receiver } from '../../../test/support/receiver';
import { payments } from '../src/app';
import type { PaymentsRuntime } from '../src/context';
import { PaymentEvent } from '../src/modules/payment-event/payment-event.entity';
import { WebhookDispatcher } from '../src/modules/webhook/webhook.dispatcher';
import { guardedLookup, isPrivateAddress, webhookUrlProblems } from '../src/modules/webhook/webhook.url';

describe('webhook URLs: the SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-ip',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) =>
    expect(isPrivateAddress(address)).toBe(false),
  );

  it('in production: only https, and never a private or loopback host', () => {
    const problems = (url: unknown) => webhookUrlProblems(url, false);
    expect(problems('https://hooks.example.com/pos')).toEqual([]);
    expect(problems('http://hooks.example.com/pos')).toEqual(['url: must be an https URL']);
    for (const url of [
      'https://127.0.0.1/x',
      'https://10.0.0.8/x',
      'https://[::1]/x',
      'https://[::ffff:169.254.169.254]/x',
      'https://169.254.169.254/latest/meta-data',
      'https://localhost/x',
      'https://api.localhost/x',
      'https://metadata.google.internal/x',
    ]) {
      expect(problems(url)).toEqual(['url: must not point at a private or loopback address']);
    }
    expect(problems('https://user:pw@hooks.example.com/')).toEqual(['url: must not carry credentials']);
    expect(problems('not a url')).toEqual(['url: must be an absolute URL']);
    expect(problems(undefined)).toEqual(['url: is required']);
    expect(problems(`https://example.com/${'a'.repeat(2048)}`)).toEqual(['url: at most 2048 characters']);
  });

  it('in development: a local http receiver is allowed', () => {
    expect(webhookUrlProblems('http://127.0.0.1:4000/hooks', true)).toEqual([]);
    expect(webhookUrlProblems('ftp://127.0.0.1/hooks', true)).toEqual(['url: must be an http or https URL']);
  });

  it('the delivery lookup refuses a name that resolves to a private address', async () => {
    const error = await new Promise<Error | null>((resolve) => guardedLookup('localhost', {}, (e) => resolve(e)));
    expect(error?.name).toBe('AddressNotAllowedError');
  });
});

describe('webhook endpoints when private URLs are not allowed (production)', () => {
  let payments_: TestSubgraph;
  const manager = partnerPrincipal('demo', [SCOPES.webhooksSubscribe]);
  const receiver = new Receiver();

  beforeAll(async () => {
    payments_ = await startTestSubgraph(payments, manager, undefined, {
      WEBHOOK_ALLOW_PRIVATE_URLS: 'false',
      WEBHOOK_WORKER: 'off',
    });
  });
  afterAll(async () => {
    await receiver.close();
    await payments_?.close();
  });

  it('refuses to register a loopback or private URL', async () => {
    const create = `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) {
      userErrors { code field } webhookEndpoint { id }
    } }`;
    for (const url of ['http://127.0.0.1:9/hooks', 'https://127.0.0.1/hooks', 'https://localhost/hooks']) {
      const { body } = await payments_.call(create, { url });
      expect(body.errors).toBeUndefined();
      expect(body.data!.createWebhookEndpoint).toEqual({
        userErrors: [{ code: 'VALIDATION', field: ['input', 'url'] }],
        webhookEndpoint: null,
      });
    }
    expect(await payments_.sql('select id from payments.webhook_endpoint')).toEqual([]);
  });

  it('does not deliver to a private address even if one got into the table (DNS rebinding, an old row)', async () => {
    const url = await receiver.listen();
    const runtime = payments_.started.runtime as PaymentsRuntime;
    // One endpoint by literal address (judged before connecting), one by name (judged by the connection's lookup).
    for (const target of [url, url.replace('127.0.0.1', 'localhost')]) {
      const [endpoint] = await payments_.sql(
        `insert into payments.webhook_endpoint (id, tenant_id, url, event_types, status, secret_sealed, created_by, created_at, updated_at)
         values (gen_random_uuid(), 'demo', ?, '[]', 'ENABLED', ?, 'test', now(), now()) returning id`,
        [target, encrypt('whsec_test', runtime.webhookKey)],
      );
      const em = payments_.started.orm.em.fork();
      const event = Object.assign(new PaymentEvent(), {
        tenantId: 'demo',
        type: 'payment.approved',
        paymentId: '00000000-0000-4000-8000-000000000001',
        paymentVersion: 2,
        locationId: 1,
        payload: {
          paymentId: '00000000-0000-4000-8000-000000000001',
          status: 'APPROVED',
          amountCents: 100,
          refundedCents: 0,
          tipCents: 0,
          currency: 'USD',
          orderId: null,
          checkId: null,
          processor: 'valor',
          processorReference: null,
        },
      });
      await em.persistAndFlush(event);
      await payments_.sql(
        `insert into payments.webhook_delivery (id, tenant_id, endpoint_id, event_id, event_seq, event_type, status, attempts, next_attempt_at, replays, created_at)
         values (gen_random_uuid(), 'demo', ?, ?, ?, 'payment.approved', 'PENDING', 0, now(), 0, now())`,
        [(endpoint as { id: string }).id, event.eventId, event.seq],
      );
    }
    const dispatcher = new WebhookDispatcher(payments_.started.orm, silent, {
      concurrency: 2,
      pollMs: 20,
      timeoutMs: 500,
      retryBaseMs: 10_000,
      allowPrivateUrls: false,
      secretKey: purposeKey(Buffer.from(TEST_ENV.KEY_ENCRYPTION_KEY, 'base64'), 'payments/webhook-secrets'),
    });
    dispatcher.start();
    try {
      await until(async () => {
        const rows = await payments_.sql(`select error from payments.webhook_attempt`);
        return rows.length === 2;
      }, 'the refused attempt');
    } finally {
      await dispatcher.stop();
    }
    expect(await payments_.sql(`select error from payments.webhook_attempt`)).toEqual([
      { error: 'address_not_allowed' },
      { error: 'address_not_allowed' },
    ]);
    expect(receiver.received).toEqual([]);
  });
});

const silent = createLogger('test', 'silent');
