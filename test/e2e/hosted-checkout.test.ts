import { randomBytes, randomUUID } from 'node:crypto';
import { CheckoutTokens } from '@pos/gateway/src/hosted-checkout';
import { createLogger } from '@pos/kit';
import type { PaymentsRuntime } from '@pos/payments/src/context';
import { expireOverduePayments } from '@pos/payments/src/modules/payment/payment.expiry';
import { SignJWT } from 'jose';
import { LEVEL3, LEVEL3_TOTAL_CENTS } from '../support/fixtures';
import { countRows, restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';
import { validateOpenApi } from '../support/openapi';

/**
 * Hosted checkout over HTTP (no browser; hosted-checkout.browser.test.ts drives the same pages in Chromium): the
 * order's return and cancel URLs, the signed link, the page and its headers, CSRF, paying through the API's payment
 * path, single use, declines, the processor being down, cancelling, expiry and the sweep that expires a payment
 * left pending past its checkout.
 */
describe('Hosted checkout (HTTP)', () => {
  let stack: Stack;
  let demo: string;
  beforeAll(async () => {
    stack = await startStack();
    demo = await stack.token();
  });
  afterEach(() => {
    stack.gateway.clock.now = () => new Date();
  });
  afterAll(() => stack?.close());

  const call = restClient(
    () => stack,
    () => demo,
  );
  const RETURN_URL = 'https://shop.example/checkout/done?cart=42';
  const CANCEL_URL = 'https://shop.example/checkout/cancelled';

  const createOrder = async (body: Record<string, unknown> = {}) => {
    const created = await call('POST', '/pos/v1/orders', {
      body: {
        location_id: 1,
        currency: 'USD',
        total_cents: 2500,
        return_url: RETURN_URL,
        cancel_url: CANCEL_URL,
        ...body,
      },
    });
    expect(created.status).toBe(201);
    return created.body;
  };

  /** The gateway's own origin, which hosted_checkout_url is on (PUBLIC_URL defaults to http://localhost:<port>). */
  const publicOrigin = () => `http://localhost:${stack.gateway.port}`;

  interface Page {
    status: number;
    headers: Headers;
    html: string;
    location: string | null;
  }
  const fetchPage = async (url: string, init: RequestInit = {}): Promise<Page> => {
    const response = await fetch(url, { redirect: 'manual', ...init });
    return {
      status: response.status,
      headers: response.headers,
      html: await response.text(),
      location: response.headers.get('location'),
    };
  };
  const hidden = (html: string, name: string) => {
    const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
    if (!match) throw new Error(`no hidden ${name} in ${html.slice(0, 500)}`);
    return match[1];
  };
  /** The fields a customer's browser posts from this page, with a card and a name. */
  const formOf = (html: string, card = 'tok_visa') => ({
    token: hidden(html, 'token'),
    nonce: hidden(html, 'nonce'),
    csrf: hidden(html, 'csrf'),
    cardholder_name: 'Ada Lovelace',
    card_token: card,
  });
  /** Posts a form as a same-origin browser does (Origin and Sec-Fetch-Site), unless headers say otherwise. */
  const post = (action: 'pay' | 'cancel', fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetchPage(`${stack.origin}/pos/v1/public/hosted-checkout/${action}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: publicOrigin(),
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
  const open = (url: string) => fetchPage(url.replace(publicOrigin(), stack.origin));
  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
  const claimsOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, any>;

  const paymentsOf = async (orderId: string) => {
    const { body } = await stack.graphql(
      `query($id: ID!) { order(id: $id) { payments { nodes { id status amountCents entryMode failureCode expiresAt } }
        hostedCheckout { id status paidAt paymentId } } }`,
      { id: orderId },
      demo,
    );
    expect(body.errors).toBeUndefined();
    const order = body.data!.order as { payments: { nodes: any[] }; hostedCheckout: any };
    return { payments: order.payments.nodes, hostedCheckout: order.hostedCheckout };
  };
  const events = (type: string, paymentId: string) =>
    countRows(stack, 'payments.payment_event', 'type = ? and payment_id = ?', [type, paymentId]);

  /** An error page: HTML, the status, a title, and nothing of the server's insides. */
  const expectErrorPage = (page: Page, status: number, title: RegExp) => {
    expect(page.status).toBe(status);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.html).toMatch(/<h1 id="error-title">/);
    expect(page.html).toMatch(title);
    expect(page.html).not.toMatch(/at .*\.(js|ts):\d+|node_modules|Error:|stack/i);
    expect(page.html).not.toMatch(/<form/);
    expect(page.headers.get('content-security-policy')).toMatch(/form-action 'none'/);
  };

  describe('return_url and cancel_url on POST /pos/v1/orders', () => {
    it.each([
      ['return_url: must use https', 'http://shop.example/done'],
      ['return_url: must be an absolute URL', 'shop.example/done'],
      ['return_url: must be an absolute URL', '/done'],
      ['return_url: must not contain a user name or password', 'https://user:secret@shop.example/done'],
      ['return_url: must not contain a user name or password', 'https://shop.example@evil.example/done'],
      ['return_url: must use https', 'javascript:alert(1)'],
      ['return_url: must use https', 'ftp://shop.example/done'],
      ['return_url: must not contain whitespace or control characters', 'https://shop.example/a b'],
      ['return_url: at most 2048 characters', `https://shop.example/${'a'.repeat(2048)}`],
      ['return_url: must use https', 'http://localhost.evil.example/done'],
    ])('answers 400 "%s" (case %#)', async (detail, url) => {
      const { status, body } = await call('POST', '/pos/v1/orders', {
        body: { location_id: 1, currency: 'USD', total_cents: 100, return_url: url },
      });
      expect(status).toBe(400);
      expect(body.code).toBe('validation_error');
      expect(body.details.join('\n')).toContain(detail);
    });

    it('refuses a bad cancel_url, cancel_url without return_url, and a URL that is not a string', async () => {
      const bad = await call('POST', '/pos/v1/orders', {
        body: {
          location_id: 1,
          currency: 'USD',
          total_cents: 100,
          return_url: RETURN_URL,
          cancel_url: 'http://x.example',
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.details.join('\n')).toContain('cancel_url: must use https');
      const alone = await call('POST', '/pos/v1/orders', {
        body: { location_id: 1, currency: 'USD', total_cents: 100, cancel_url: CANCEL_URL },
      });
      expect(alone.status).toBe(400);
      expect(alone.body.details.join('\n')).toContain('cancel_url: only together with a return URL');
      const notText = await call('POST', '/pos/v1/orders', {
        body: { location_id: 1, currency: 'USD', total_cents: 100, return_url: 42 },
      });
      expect(notText.status).toBe(400);
      expect(notText.body.details.join('\n')).toMatch(/^body\.return_url: /m);
    });

    it.each(['http://localhost:3000/done', 'http://127.0.0.1/done', 'http://[::1]:8080/done'])(
      'accepts plain http to a loopback host outside production: %s',
      async (url) => {
        const order = await createOrder({ return_url: url, cancel_url: url });
        expect(order.return_url).toBe(url);
        expect(order.hosted_checkout_url).not.toBeNull();
      },
    );

    it('answers hosted_checkout_url only with a return_url and something to pay; GET and replays give the same link', async () => {
      const plain = await createOrder({ return_url: undefined, cancel_url: undefined });
      expect(plain).toMatchObject({
        return_url: null,
        cancel_url: null,
        hosted_checkout_url: null,
        hosted_checkout_expires_at: null,
      });
      const free = await createOrder({ total_cents: 0 });
      expect(free).toMatchObject({
        return_url: RETURN_URL,
        hosted_checkout_url: null,
        hosted_checkout_expires_at: null,
      });

      const key = randomUUID();
      const body = {
        location_id: 1,
        currency: 'USD',
        total_cents: 2500,
        return_url: RETURN_URL,
        cancel_url: CANCEL_URL,
      };
      const created = await call('POST', '/pos/v1/orders', { body, headers: { 'idempotency-key': key } });
      expect(created.status).toBe(201);
      const order = created.body;
      expect(order.return_url).toBe(RETURN_URL);
      expect(order.cancel_url).toBe(CANCEL_URL);
      expect(order.hosted_checkout_url).toMatch(
        new RegExp(`^${publicOrigin()}/pos/v1/public/hosted-checkout\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`),
      );
      // 30 minutes after the order was created, in whole seconds (as the link's exp).
      expect(order.hosted_checkout_expires_at).toMatch(/:\d\d\.000Z$/);
      const expiresIn = Date.parse(order.hosted_checkout_expires_at) - Date.parse(order.created_at);
      expect(expiresIn).toBeGreaterThan(30 * 60 * 1000 - 1000);
      expect(expiresIn).toBeLessThanOrEqual(30 * 60 * 1000);
      const claims = claimsOf(tokenOf(order.hosted_checkout_url));
      expect(claims).toMatchObject({ sub: order.id, loc: 1, amt: 2500, cur: 'USD', aud: 'pos-hosted-checkout' });
      expect(claims.exp).toBe(Math.floor(Date.parse(order.hosted_checkout_expires_at) / 1000));
      expect(JSON.parse(Buffer.from(tokenOf(order.hosted_checkout_url).split('.')[0], 'base64url').toString())).toEqual(
        { alg: 'HS256', typ: 'checkout+jwt' },
      );

      const read = await call('GET', `/pos/v1/orders/${order.id}`);
      expect(read.body).toEqual(order);
      const replay = await call('POST', '/pos/v1/orders', { body, headers: { 'idempotency-key': key } });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(order);

      const { body: graph } = await stack.graphql(
        `query($id: ID!) { order(id: $id) { returnUrl cancelUrl hostedCheckout { id status expiresAt paidAt } } }`,
        { id: order.id },
        demo,
      );
      expect(graph.data!.order).toEqual({
        returnUrl: RETURN_URL,
        cancelUrl: CANCEL_URL,
        hostedCheckout: { id: claims.jti, status: 'OPEN', expiresAt: order.hosted_checkout_expires_at, paidAt: null },
      });
    });

    it('describes the new fields in the OpenAPI document', async () => {
      const { body } = await call('GET', '/pos/v1/.well-known/openapi.json', { token: null });
      const create = body.paths['/pos/v1/orders'].post;
      const input = create.requestBody.content['application/json'].schema.properties;
      expect(Object.keys(input)).toEqual(expect.arrayContaining(['return_url', 'cancel_url']));
      const output = create.responses['201'].content['application/json'].schema.properties;
      expect(Object.keys(output)).toEqual(
        expect.arrayContaining(['return_url', 'cancel_url', 'hosted_checkout_url', 'hosted_checkout_expires_at']),
      );
      expect(create.description).toMatch(/\/pos\/v1\/public\/hosted-checkout/);

      // The public pages, outside the route table, answer HTML and forms; the document stays valid OpenAPI 3.1.
      const page = body.paths['/pos/v1/public/hosted-checkout'].get;
      expect(page.security).toEqual([]);
      expect(page.parameters).toEqual([expect.objectContaining({ name: 'token', in: 'query', required: true })]);
      expect(Object.keys(page.responses)).toEqual(['200', '400', '410', '500']);
      expect(Object.keys(page.responses['200'].content)).toEqual(['text/html']);
      const pay = body.paths['/pos/v1/public/hosted-checkout/pay'].post;
      expect(Object.keys(pay.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
      expect(Object.keys(pay.responses)).toEqual(['303', '400', '402', '403', '409', '410', '415', '500', '503']);
      expect(Object.keys(body.paths['/pos/v1/public/hosted-checkout/cancel'].post.responses)).toEqual([
        '303',
        '400',
        '403',
        '410',
        '415',
        '500',
      ]);
      expect(validateOpenApi(body)).toEqual({ valid: true });
    });
  });

  describe('the page', () => {
    it('shows the merchant, the order’s lines and total and a card form, with a strict CSP and no script', async () => {
      const order = await createOrder({ total_cents: LEVEL3_TOTAL_CENTS, level3: LEVEL3 });
      const page = await open(order.hosted_checkout_url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
      expect(page.html).toContain('<h1>Demo Bistro Downtown</h1>');
      expect(page.html).toContain(`Order ${order.number}`);
      expect(page.html).toContain('Espresso beans 1kg × 2');
      expect(page.html).toContain('$10.34'); // 2 × 500 + 34 tax
      expect(page.html).toContain('Mug');
      expect(page.html).toContain('$2.00'); // 250 − 50 discount
      expect(page.html).toContain('<td class="num" id="total">$12.34</td>');
      expect(page.html).toContain('Pay $12.34');
      expect(page.html).toMatch(/<form method="post" action="\/pos\/v1\/public\/hosted-checkout\/pay"/);
      // Cancel posts a form of its own, so the card form's one submit button, its default (Enter), is Pay.
      expect(page.html).toMatch(
        /<form method="post" action="\/pos\/v1\/public\/hosted-checkout\/cancel" id="cancel-form">/,
      );
      expect(page.html).toContain(
        '<button type="submit" class="cancel" form="cancel-form" id="cancel">Cancel</button>',
      );
      expect(page.html).not.toMatch(/<script|javascript:|\son[a-z]+=/i);

      const csp = page.headers.get('content-security-policy')!;
      const nonce = /<style nonce="([^"]+)">/.exec(page.html)![1];
      expect(csp).toBe(
        `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' https://shop.example; ` +
          `frame-ancestors 'none'; base-uri 'none'`,
      );
      expect(
        Object.fromEntries(
          ['x-frame-options', 'x-content-type-options', 'referrer-policy', 'cache-control'].map((h) => [
            h,
            page.headers.get(h),
          ]),
        ),
      ).toEqual({
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'same-origin',
        'cache-control': 'no-store',
      });
      // Each response has its own style nonce.
      const again = await open(order.hosted_checkout_url);
      expect(/<style nonce="([^"]+)">/.exec(again.html)![1]).not.toBe(nonce);
      expect(hidden(again.html, 'nonce')).not.toBe(hidden(page.html, 'nonce'));
    });

    it('shows the total alone for an order without lines, and no Cancel button without a cancel_url', async () => {
      const order = await createOrder({ total_cents: 123456, cancel_url: undefined });
      const page = await open(order.hosted_checkout_url);
      expect(page.status).toBe(200);
      expect(page.html).toContain('<td class="num" id="total">$1,234.56</td>');
      expect(page.html.match(/<tr>/g)).toBeNull();
      expect(page.html).not.toContain('id="cancel"');
      expect(page.headers.get('content-security-policy')).toContain("form-action 'self' https://shop.example;");
    });

    it('answers a missing, malformed, forged, altered or expired link with an error page, never a stack trace', async () => {
      const order = await createOrder();
      const token = tokenOf(order.hosted_checkout_url);
      const claims = claimsOf(token);
      const base = `${stack.origin}/pos/v1/public/hosted-checkout`;
      const [header, payload, signature] = token.split('.');
      const tokens = new CheckoutTokens(stack.keyEncryptionKey);
      const claimsFor = (changes: Record<string, unknown> = {}) => ({
        checkoutId: claims.jti,
        orderId: claims.sub,
        tenantId: claims.tid,
        locationId: claims.loc,
        amountCents: claims.amt,
        currency: claims.cur,
        issuedAt: new Date(claims.iat * 1000),
        expiresAt: new Date(claims.exp * 1000),
        ...changes,
      });
      const altered = Buffer.from(JSON.stringify({ ...claims, amt: 1 })).toString('base64url');
      const forged = await new SignJWT({ tid: claims.tid, loc: 1, amt: 2500, cur: 'USD' })
        .setProtectedHeader({ alg: 'HS256', typ: 'checkout+jwt' })
        .setIssuer('pos-gateway')
        .setAudience('pos-hosted-checkout')
        .setSubject(claims.sub)
        .setJti(claims.jti)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(randomBytes(32));
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'checkout+jwt' })).toString('base64url')}.${payload}.`;
      const invalid: Array<[string, string]> = [
        ['no token', base],
        ['an empty token', `${base}?token=`],
        ['garbage', `${base}?token=abc`],
        ['two tokens', `${base}?token=${token}&token=${token}`],
        ['an altered amount', `${base}?token=${header}.${altered}.${signature}`],
        ['a forged signature', `${base}?token=${forged}`],
        ['alg none', `${base}?token=${unsigned}`],
        ['an access token', `${base}?token=${demo}`],
        ['a link of another order', `${base}?token=${await tokens.mint(claimsFor({ orderId: randomUUID() }))}`],
        ['a genuine link with another amount', `${base}?token=${await tokens.mint(claimsFor({ amountCents: 100 }))}`],
        ['a very long token', `${base}?token=${'a'.repeat(3000)}.b.c`],
      ];
      for (const [what, url] of invalid) {
        const page = await fetchPage(url);
        expect([what, page.status]).toEqual([what, 400]);
        expectErrorPage(page, 400, /This payment link is not valid/);
      }
      const expired = await fetchPage(
        `${base}?token=${await tokens.mint(claimsFor({ expiresAt: new Date(Date.now() - 1000) }))}`,
      );
      expectErrorPage(expired, 410, /This payment link has expired/);
    });

    it('expires the link after 30 minutes by the gateway’s clock', async () => {
      const order = await createOrder();
      const expiresAt = Date.parse(order.hosted_checkout_expires_at);
      stack.gateway.clock.now = () => new Date(expiresAt - 5000);
      const before = await open(order.hosted_checkout_url);
      expect(before.status).toBe(200);
      const form = formOf(before.html);
      stack.gateway.clock.now = () => new Date(expiresAt + 1000);
      expectErrorPage(await open(order.hosted_checkout_url), 410, /This payment link has expired/);
      expectErrorPage(await post('pay', form), 410, /This payment link has expired/);
      expect((await paymentsOf(order.id)).payments).toEqual([]);
    });

    it('answers GET on the form actions with 405', async () => {
      const page = await fetchPage(`${stack.origin}/pos/v1/public/hosted-checkout/pay`);
      expectErrorPage(page, 405, /cannot be opened directly/);
      expect(page.headers.get('allow')).toBe('POST');
    });
  });

  describe('paying', () => {
    it('pays through the API’s payment path, sends the customer to return_url, and the link works once', async () => {
      const order = await createOrder();
      const page = await open(order.hosted_checkout_url);
      const paid = await post('pay', formOf(page.html));
      expect(paid.status).toBe(303);
      const location = new URL(paid.location!);
      expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/checkout/done');
      expect(location.searchParams.get('cart')).toBe('42');
      expect(location.searchParams.get('order_id')).toBe(order.id);
      const paymentId = location.searchParams.get('payment_id')!;
      expect(paid.headers.get('referrer-policy')).toBe('same-origin');

      const { payments, hostedCheckout } = await paymentsOf(order.id);
      expect(payments).toEqual([
        {
          id: paymentId,
          status: 'APPROVED',
          amountCents: 2500,
          entryMode: 'CARD_NOT_PRESENT',
          failureCode: null,
          expiresAt: order.hosted_checkout_expires_at,
        },
      ]);
      expect(hostedCheckout).toMatchObject({ status: 'PAID', paymentId, paidAt: expect.any(String) });
      expect(await events('payment.approved', paymentId)).toBe(1);

      // Used: the page, the order body and a second payment are all refused.
      expectErrorPage(await open(order.hosted_checkout_url), 410, /already been used/);
      const read = await call('GET', `/pos/v1/orders/${order.id}`);
      expect(read.body.hosted_checkout_url).toBeNull();
      const restPayments = await call('POST', `/pos/v1/orders/${order.id}/payments`, {
        body: { amount_cents: 1, currency: 'USD', card_token: 'tok_visa' },
      });
      expect(restPayments.body.code).toBe('amount_exceeds_due');
    });

    it('pays once when the same form is submitted twice at once', async () => {
      const order = await createOrder();
      const form = formOf((await open(order.hosted_checkout_url)).html);
      const [first, second] = await Promise.all([post('pay', form), post('pay', form)]);
      expect([first.status, second.status]).toEqual([303, 303]);
      expect(second.location).toBe(first.location);
      const { payments } = await paymentsOf(order.id);
      expect(payments.map((p) => p.status)).toEqual(['APPROVED']);
      // A third submit of the same form, after the fact, lands on the return page too, and pays nothing.
      const third = await post('pay', form);
      expect(third.location).toBe(first.location);
      expect((await paymentsOf(order.id)).payments).toHaveLength(1);
      expect(await events('payment.approved', payments[0].id)).toBe(1);
    });

    it('shows a declined card on the form again (402); the link stays usable and pays after', async () => {
      const order = await createOrder();
      const page = await open(order.hosted_checkout_url);
      const declined = await post('pay', formOf(page.html, 'tok_insufficient_funds'));
      expect(declined.status).toBe(402);
      expect(declined.html).toContain('Your card was declined: insufficient funds. Nothing was charged.');
      expect(declined.html).toContain('value="tok_insufficient_funds"');
      expect(declined.html).toContain('value="Ada Lovelace"');
      expect(hidden(declined.html, 'nonce')).not.toBe(hidden(page.html, 'nonce'));
      expect(declined.headers.get('content-security-policy')).toContain("form-action 'self' https://shop.example");

      const reopened = await open(order.hosted_checkout_url);
      expect(reopened.status).toBe(200);
      const paid = await post('pay', formOf(declined.html, 'tok_visa'));
      expect(paid.status).toBe(303);
      const { payments } = await paymentsOf(order.id);
      expect(payments.map((p) => [p.status, p.failureCode])).toEqual([
        ['DECLINED', 'insufficient_funds'],
        ['APPROVED', null],
      ]);
    });

    it('asks to try again when the processor does not answer (503), and re-asks for a missing name or card', async () => {
      const order = await createOrder();
      const page = await open(order.hosted_checkout_url);
      const down = await post('pay', formOf(page.html, 'tok_processor_unavailable'));
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      expect(down.html).toContain('The payment service is not available right now. Nothing was charged.');
      expect((await paymentsOf(order.id)).payments.map((p) => p.status)).toEqual(['CANCELLED']);

      const noName = await post('pay', { ...formOf(down.html), cardholder_name: ' ' });
      expect(noName.status).toBe(400);
      expect(noName.html).toContain('Enter the name on the card');
      const badCard = await post('pay', { ...formOf(noName.html), card_token: '4242 4242 4242 4242' });
      expect(badCard.status).toBe(400);
      expect(badCard.html).toContain('Enter the card');
      expect((await paymentsOf(order.id)).payments).toHaveLength(1);
      expect((await post('pay', formOf(badCard.html))).status).toBe(303);
    });

    it('sends a customer who cancels to cancel_url; the link stays usable', async () => {
      const order = await createOrder();
      const page = await open(order.hosted_checkout_url);
      const cancelled = await post('cancel', formOf(page.html));
      expect(cancelled.status).toBe(303);
      expect(cancelled.location).toBe(`${CANCEL_URL}?order_id=${order.id}`);
      expect((await open(order.hosted_checkout_url)).status).toBe(200);
      expect((await paymentsOf(order.id)).payments).toEqual([]);
    });
  });

  describe('cross-site request forgery', () => {
    it.each<[string, (own: string) => Record<string, string>]>([
      ['Sec-Fetch-Site: cross-site', () => ({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })],
      ['Sec-Fetch-Site: same-site', (own) => ({ origin: own, 'sec-fetch-site': 'same-site' })],
      ['Sec-Fetch-Site: none', () => ({ 'sec-fetch-site': 'none' })],
      ['a foreign Origin (no Sec-Fetch-Site)', () => ({ origin: 'https://evil.example' })],
      ['Origin: null (no Sec-Fetch-Site)', () => ({ origin: 'null' })],
    ])('refuses a post with %s (403), charging nothing', async (_what, headers) => {
      const order = await createOrder();
      const form = formOf((await open(order.hosted_checkout_url)).html);
      for (const action of ['pay', 'cancel']) {
        const page = await fetchPage(`${stack.origin}/pos/v1/public/hosted-checkout/${action}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers(publicOrigin()) },
          body: new URLSearchParams(form).toString(),
        });
        expectErrorPage(page, 403, /This form could not be accepted/);
      }
      expect((await paymentsOf(order.id)).payments).toEqual([]);
    });

    it('refuses a post without the form’s CSRF token, with a wrong one, or with another checkout’s (403)', async () => {
      const order = await createOrder();
      const other = await createOrder();
      const form = formOf((await open(order.hosted_checkout_url)).html);
      const otherForm = formOf((await open(other.hosted_checkout_url)).html);
      const { csrf: _csrf, ...withoutCsrf } = form;
      for (const fields of [
        withoutCsrf,
        { ...form, csrf: 'A'.repeat(43) },
        { ...form, nonce: otherForm.nonce, csrf: otherForm.csrf },
        { ...form, nonce: 'short' },
      ]) {
        expectErrorPage(await post('pay', fields), 403, /This form could not be accepted/);
        expectErrorPage(await post('cancel', fields), 403, /This form could not be accepted/);
      }
      expect((await paymentsOf(order.id)).payments).toEqual([]);
      // Not a form at all.
      const json = await fetchPage(`${stack.origin}/pos/v1/public/hosted-checkout/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: publicOrigin() },
        body: JSON.stringify(form),
      });
      expectErrorPage(json, 415, /This form could not be accepted/);
      // Without Origin and Sec-Fetch-Site (a non-browser client), the CSRF token alone decides: it is valid here.
      const bare = await fetchPage(`${stack.origin}/pos/v1/public/hosted-checkout/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      expect(bare.status).toBe(303);
    });
  });

  describe('expiry', () => {
    it('expires a checkout payment still pending past the link’s expiry, with payment.expired', async () => {
      const order = await createOrder();
      const claims = claimsOf(tokenOf(order.hosted_checkout_url));
      const payments = stack.subgraphs.payments;
      const sql = payments.orm.em.fork().getConnection();
      // A pay attempt whose answer never came: recorded pending with the link's expiry, as the checkout sends it.
      const insert = (id: string, expiresAt: Date, createdAt: Date) =>
        sql.execute(
          `insert into payments.payment (id, tenant_id, location_id, order_id, status, amount_cents, refunded_cents,
             tip_cents, currency, entry_mode, processor, version, created_at, updated_at, expires_at)
           values (?, ?, 1, ?, 'PENDING', 2500, 0, 0, 'USD', 'CARD_NOT_PRESENT', 'valor', 1, ?, ?, ?)`,
          [id, claims.tid, order.id, createdAt, createdAt, expiresAt],
        );
      const now = Date.now();
      const stale = randomUUID();
      const tooRecent = randomUUID();
      const notYet = randomUUID();
      await insert(stale, new Date(now - 60_000), new Date(now - 31 * 60_000));
      await insert(tooRecent, new Date(now - 1_000), new Date(now - 5_000));
      await insert(notYet, new Date(now + 60_000), new Date(now - 31 * 60_000));

      const runtime = payments.runtime as PaymentsRuntime;
      const expired = await expireOverduePayments({
        orm: payments.orm,
        processor: runtime.processor,
        logger: createLogger('expiry-test', 'silent'),
        inFlightGraceMs: 60_000,
      });
      expect(expired).toEqual([stale]);
      const { payments: list } = await paymentsOf(order.id);
      expect(Object.fromEntries(list.map((p) => [p.id, [p.status, p.failureCode]]))).toEqual({
        [stale]: ['EXPIRED', 'checkout_expired'],
        [tooRecent]: ['PENDING', null],
        [notYet]: ['PENDING', null],
      });
      expect(await events('payment.expired', stale)).toBe(1);
      // A second sweep finds nothing more to do.
      expect(
        await expireOverduePayments({
          orm: payments.orm,
          processor: runtime.processor,
          logger: createLogger('expiry-test', 'silent'),
          inFlightGraceMs: 60_000,
        }),
      ).toEqual([]);
      expect(await events('payment.expired', stale)).toBe(1);
    });

    it('refuses an expiresAt in the past or more than a day ahead on createPayment', async () => {
      const order = await createOrder({ return_url: undefined, cancel_url: undefined });
      for (const [expiresAt, message] of [
        [new Date(Date.now() - 1000).toISOString(), 'must be in the future'],
        [new Date(Date.now() + 25 * 3600_000).toISOString(), 'at most 24 hours ahead'],
      ]) {
        const { body } = await stack.graphql(
          `mutation($input: CreatePaymentInput!) { createPayment(input: $input) {
            userErrors { code field message } payment { id }
          } }`,
          { input: { orderId: order.id, amountMinor: 100, currency: 'USD', cardToken: 'tok_visa', expiresAt } },
          demo,
        );
        expect(body.errors).toBeUndefined();
        expect(body.data!.createPayment).toEqual({
          userErrors: [
            { code: 'VALIDATION', field: ['input', 'expiresAt'], message: expect.stringContaining(message) },
          ],
          payment: null,
        });
      }
    });
  });
});
