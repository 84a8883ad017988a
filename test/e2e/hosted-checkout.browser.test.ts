import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { type Client } from 'graphql-ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LEVEL3, LEVEL3_TOTAL_CENTS } from '../support/fixtures';
import { launchBrowser, saveScreenshot } from '../support/browser';
import { restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';
import { until } from '@pos/testing';

/**
 * The partner's shop: a plain HTTP server on 127.0.0.1 (http to a loopback host is allowed outside production), whose
 * return and cancel pages the hosted checkout sends the customer to. It records every request it gets.
 */
async function startShop() {
  const visits: Array<{ url: string; referer: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    visits.push({ url: req.url ?? '', referer: req.headers.referer });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Shop</title><h1 id="shop">${req.url?.startsWith('/done') ? 'Thank you' : 'Cancelled'}</h1>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    visits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The acceptance test of the hosted checkout, in headless Chromium: an order created over REST with return and cancel
 * URLs, its hosted_checkout_url opened, the form filled and paid, landing on return_url; the order shows the approved
 * payment and a paymentEvents subscriber got payment.approved. Cancel lands on cancel_url; a used link shows the
 * error page. Screenshots of the form (and of the error page) go to test-artifacts/.
 */
describe('Hosted checkout in a browser (Chromium)', () => {
  let stack: Stack;
  let demo: string;
  let browser: Browser;
  let shop: Awaited<ReturnType<typeof startShop>>;
  let subscriber: Client;
  const contexts: BrowserContext[] = [];
  const approved: Array<{ type: string; payment: { id: string; status: string; order: { id: string } } }> = [];

  beforeAll(async () => {
    [stack, browser, shop] = await Promise.all([startStack(), launchBrowser(), startShop()]);
    demo = await stack.token();
    // A partner's subscriber, from a cursor taken now, so nothing committed after this line can be missed.
    const anchor = await stack.graphql('{ paymentEventsCursor }', {}, demo);
    subscriber = gatewayWsClient(stack.gatewayUrl, demo);
    subscriber.subscribe(
      {
        query: `subscription($after: String) {
          paymentEvents(types: [PAYMENT_APPROVED], after: $after) { type payment { id status order { id } } }
        }`,
        variables: { after: anchor.body.data!.paymentEventsCursor },
      },
      {
        next: (value) => approved.push((value.data as { paymentEvents: (typeof approved)[number] }).paymentEvents),
        error: (error) => {
          throw error;
        },
        complete: () => undefined,
      },
    );
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await subscriber?.dispose();
    await browser?.close();
    await shop?.close();
    await stack?.close();
  });

  const call = restClient(
    () => stack,
    () => demo,
  );
  const newPage = async (): Promise<{ page: Page; errors: string[] }> => {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    // A CSP violation (a blocked style, a blocked form target) is reported as a console error.
    const errors: string[] = [];
    page.on('console', (message) => {
      // A 4xx page (a declined card is a 402) is logged as a failed resource: expected, not a fault of the page.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        errors.push(message.text());
      }
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    return { page, errors };
  };
  const createOrder = async (extra: Record<string, unknown> = {}) => {
    const created = await call('POST', '/pos/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        location_id: 1,
        currency: 'USD',
        total_cents: LEVEL3_TOTAL_CENTS,
        level3: LEVEL3,
        return_url: `${shop.origin}/done?cart=7`,
        cancel_url: `${shop.origin}/cancelled`,
        ...extra,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.hosted_checkout_url).toMatch(
      /^http:\/\/localhost:\d+\/pos\/v1\/public\/hosted-checkout\?token=/,
    );
    return created.body;
  };

  it('pays an order: the form, Pay, return_url; the order shows the payment and a subscriber got payment.approved', async () => {
    const order = await createOrder();
    const { page, errors } = await newPage();
    const opened = await page.goto(order.hosted_checkout_url);
    expect(opened!.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Pay Demo Bistro Downtown');
    expect(await page.locator('h1').textContent()).toBe('Demo Bistro Downtown');
    expect(await page.locator('#total').textContent()).toBe('$12.34');
    expect(await page.locator('table tr').allTextContents()).toEqual([
      'Espresso beans 1kg × 2$10.34',
      'Mug$2.00',
      'Total$12.34',
    ]);
    // The nonce'd stylesheet applies (a blocked one would leave the Pay button unstyled).
    expect(await page.locator('#pay').evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor)).toBe(
      'rgb(31, 111, 235)',
    );

    await page.fill('#cardholder_name', 'Ada Lovelace');
    await page.fill('#card_token', 'tok_visa');
    await saveScreenshot(page, 'hosted-checkout-form');

    await Promise.all([page.waitForURL(`${shop.origin}/done?**`), page.click('#pay')]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('cart')).toBe('7');
    expect(landed.searchParams.get('order_id')).toBe(order.id);
    const paymentId = landed.searchParams.get('payment_id')!;
    expect(await page.locator('#shop').textContent()).toBe('Thank you');
    // No Referer reaches the shop: the link's token stays with the gateway.
    expect(shop.visits.filter((visit) => visit.url.startsWith('/done'))).toEqual([
      { url: `/done?cart=7&order_id=${order.id}&payment_id=${paymentId}`, referer: undefined },
    ]);
    expect(errors).toEqual([]);

    const read = await call('GET', `/pos/v1/orders/${order.id}`);
    expect(read.body.hosted_checkout_url).toBeNull();
    const { body } = await stack.graphql(
      `query($id: ID!) { order(id: $id) { payments { nodes { id status amountCents } } hostedCheckout { status paymentId } } }`,
      { id: order.id },
      demo,
    );
    expect(body.data!.order).toEqual({
      payments: { nodes: [{ id: paymentId, status: 'APPROVED', amountCents: LEVEL3_TOTAL_CENTS }] },
      hostedCheckout: { status: 'PAID', paymentId },
    });
    await until(() => approved.some((event) => event.payment.id === paymentId), 'payment.approved at the subscriber');
    expect(approved.filter((event) => event.payment.id === paymentId)).toEqual([
      { type: 'PAYMENT_APPROVED', payment: { id: paymentId, status: 'APPROVED', order: { id: order.id } } },
    ]);

    // The link is used up: opening it again shows the error page (and a way back to the shop).
    const again = await page.goto(order.hosted_checkout_url);
    expect(again!.status()).toBe(410);
    expect(await page.locator('#error-title').textContent()).toBe('This payment link has already been used');
    expect(await page.locator('a').getAttribute('href')).toBe(`${shop.origin}/done?cart=7`);
    expect(await page.locator('form').count()).toBe(0);
    await saveScreenshot(page, 'hosted-checkout-used-link');
  });

  it('pays when the customer presses Enter in the card field: Pay is the default button, not Cancel', async () => {
    const order = await createOrder();
    const { page, errors } = await newPage();
    await page.goto(order.hosted_checkout_url);
    await page.fill('#cardholder_name', 'Ada Lovelace');
    await page.fill('#card_token', 'tok_visa');
    // Implicit submission: the browser clicks the form's default button, the first of its submit buttons.
    await Promise.all([page.waitForURL(`${shop.origin}/**`), page.press('#card_token', 'Enter')]);
    const landed = new URL(page.url());
    expect(landed.pathname).toBe('/done');
    expect(landed.searchParams.get('order_id')).toBe(order.id);
    const paymentId = landed.searchParams.get('payment_id');
    const { body } = await stack.graphql(
      `query($id: ID!) { order(id: $id) { payments { nodes { id status } } hostedCheckout { status paymentId } } }`,
      { id: order.id },
      demo,
    );
    expect(body.data!.order).toEqual({
      payments: { nodes: [{ id: paymentId, status: 'APPROVED' }] },
      hostedCheckout: { status: 'PAID', paymentId },
    });
    expect(errors).toEqual([]);
  });

  it('keeps Cancel before Pay, both reachable by Tab and both working from the keyboard', async () => {
    const order = await createOrder();
    const { page, errors } = await newPage();
    await page.goto(order.hosted_checkout_url);
    // Visually as before: Cancel on the left, Pay on the right, on one row.
    const cancelBox = (await page.locator('#cancel').boundingBox())!;
    const payBox = (await page.locator('#pay').boundingBox())!;
    expect(cancelBox.x + cancelBox.width).toBeLessThan(payBox.x);
    expect(cancelBox.y).toBe(payBox.y);
    // Tab order follows: card field, Cancel, Pay.
    await page.focus('#card_token');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.id)).toBe('cancel');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.id)).toBe('pay');
    await page.keyboard.press('Shift+Tab');
    // Enter on the focused Cancel button cancels (no card needed).
    await Promise.all([page.waitForURL(`${shop.origin}/cancelled?**`), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).searchParams.get('order_id')).toBe(order.id);
    expect(errors).toEqual([]);
  });

  it('cancels: Cancel lands on cancel_url, and nothing is paid', async () => {
    const order = await createOrder();
    const { page, errors } = await newPage();
    await page.goto(order.hosted_checkout_url);
    // Cancel needs no card: the form's required fields do not stop it.
    await Promise.all([page.waitForURL(`${shop.origin}/cancelled?**`), page.click('#cancel')]);
    expect(new URL(page.url()).searchParams.get('order_id')).toBe(order.id);
    expect(await page.locator('#shop').textContent()).toBe('Cancelled');
    expect(errors).toEqual([]);
    const { body } = await stack.graphql(
      `query($id: ID!) { order(id: $id) { payments { nodes { id } } hostedCheckout { status } } }`,
      { id: order.id },
      demo,
    );
    expect(body.data!.order).toEqual({ payments: { nodes: [] }, hostedCheckout: { status: 'OPEN' } });
  });

  it('shows a declined card on the form, then pays with another card', async () => {
    const order = await createOrder();
    const { page, errors } = await newPage();
    await page.goto(order.hosted_checkout_url);
    await page.fill('#cardholder_name', 'Ada Lovelace');
    await page.fill('#card_token', 'tok_decline');
    await Promise.all([page.waitForURL('**/hosted-checkout/pay'), page.click('#pay')]);
    expect(await page.locator('#problem').textContent()).toBe(
      'Your card was declined. Nothing was charged. Try another card.',
    );
    await saveScreenshot(page, 'hosted-checkout-declined');
    await page.fill('#card_token', 'tok_visa');
    await Promise.all([page.waitForURL(`${shop.origin}/done?**`), page.click('#pay')]);
    expect(new URL(page.url()).searchParams.get('order_id')).toBe(order.id);
    expect(errors).toEqual([]);
  });
});
