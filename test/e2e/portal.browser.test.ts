import type { Browser, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { launchBrowser, saveScreenshot, seriousViolations } from '../support/browser';
import { Receiver, signedBy } from '../support/receiver';
import { type Stack, startStack } from '../support/stack';
import { until } from '@pos/testing';

/**
 * The partner portal in a real browser on the whole system: a partner admin opens /portal/, signs in on the issuer's
 * page (authorization code + PKCE, the gateway keeping the session), and adds a webhook endpoint whose signing secret
 * is shown once. No token is ever in the page's storage or a URL; the pages pass axe-core at both widths.
 */
describe('partner portal (browser)', () => {
  let stack: Stack;
  let browser: Browser;
  let portal: string;
  beforeAll(async () => {
    // Retries in milliseconds, so a failing receiver's delivery reaches the dead-letter queue within the test.
    stack = await startStack({
      subgraphEnv: { WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_POLL_MS: '25', WEBHOOK_TIMEOUT_MS: '400' },
    });
    // The gateway's public URL in the tests (no PUBLIC_URL): the sign-in's only redirect URI is on it.
    portal = `http://localhost:${new URL(stack.origin).port}/portal/`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(portal);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('signs a partner admin in and adds an endpoint, showing its signing secret once', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('framenavigated', (frame) => urls.push(frame.url()));

    await page.goto(portal);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'portal-sign-in-1280');
    await page.getByLabel('Email').fill('admin@demo.example');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Incorrect email or password.');
    await page.getByLabel('Password').fill('demo-admin-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/portal/');
    await expect(page.locator('#person-name').textContent()).resolves.toBe('Demo Admin');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill('https://hooks.example/from-portal');
    // Refunds and voids only: the payments of the delivery test below are no business of this endpoint.
    await page.getByLabel('payment.refunded').check();
    await page.getByLabel('payment.voided').check();
    await page.getByLabel('Description').fill('Accounting');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.getByLabel('Signing secret');
    await secret.waitFor();
    const shown = await secret.textContent();
    expect(shown).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = page.getByRole('list', { name: 'Endpoints' });
    await listed.getByText('https://hooks.example/from-portal').waitFor();
    await expect(listed.getByText('payment.refunded, payment.voided').count()).resolves.toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'portal-webhooks-secret-1280');

    // Shown once: after a reload the endpoint is listed and the secret is nowhere.
    await page.reload();
    await page.getByRole('list', { name: 'Endpoints' }).getByText('https://hooks.example/from-portal').waitFor();
    await expect(page.getByLabel('Signing secret').count()).resolves.toBe(0);

    // Disable and enable it; rotate its secret with an hour's overlap: a new secret, shown once, the old one dated.
    const card = page.getByRole('listitem').filter({ hasText: 'https://hooks.example/from-portal' });
    await card.getByRole('button', { name: 'Disable' }).click();
    await card.getByText('disabled', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Enable' }).click();
    await card.getByText('enabled', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Rotate secret' }).click();
    await card.getByLabel('Old secret keeps working for').selectOption({ label: '1 hour' });
    await card.getByRole('button', { name: 'Rotate' }).click();
    await card.getByRole('heading', { name: 'Secret rotated' }).waitFor();
    const rotated = await card.getByLabel('Signing secret').textContent();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(shown);
    await expect(card.getByText(/The previous secret signs beside it until/).count()).resolves.toBe(1);
    const { body } = await stack.graphql(
      `{ webhookEndpoints(first: 100) { nodes { url status previousSecretExpiresAt } } }`,
      {},
      await stack.token(),
    );
    const row = body.data!.webhookEndpoints.nodes.find((e: any) => e.url === 'https://hooks.example/from-portal');
    expect(row.status).toBe('ENABLED');
    const overlap = Date.parse(row.previousSecretExpiresAt) - Date.now();
    expect(overlap).toBeGreaterThan(55 * 60_000);
    expect(overlap).toBeLessThanOrEqual(60 * 60_000);

    // No token or code in the page's storage or address: the session is an HttpOnly cookie the script cannot read.
    const storage = await page.evaluate(() => {
      const window = globalThis as any;
      return {
        local: Object.keys(window.localStorage),
        session: Object.keys(window.sessionStorage),
        cookie: window.document.cookie,
      };
    });
    expect(storage).toEqual({ local: [], session: [], cookie: '' });
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'pos_portal_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // The code passed through the address bar once, on its way to the gateway; no token ever did.
    expect(urls.filter((u) => /access_token|refresh_token|pos_portal_session/.test(u))).toEqual([]);
    expect(new URL(page.url()).search).toBe('');
    await context.close();
  });

  it('edits an endpoint’s URL and event types in place', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'admin@demo.example', 'demo-admin-password');
      await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.getByLabel('Endpoint URL').fill('https://hooks.example/edit-me');
      // Event types no other test makes here: this endpoint (unreachable) must not add to their dead letters.
      await page.getByLabel('payment.voided').check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.getByRole('button', { name: 'Done' }).click();
      const card = page.getByRole('listitem').filter({ hasText: 'hooks.example/edit-me' });
      await card.getByRole('button', { name: 'Edit' }).click();
      const form = page.getByRole('form', { name: 'Edit https://hooks.example/edit-me' });
      await expect(form.getByLabel('payment.voided').isChecked()).resolves.toBe(true);
      await form.getByLabel('Endpoint URL').fill('https://hooks.example/edited');
      await form.getByLabel('payment.reversal_failed').check();
      await form.getByLabel('Description').fill('Edited in the portal');
      expect(await seriousViolations(page)).toEqual([]);
      await form.getByRole('button', { name: 'Save' }).click();
      const edited = page.getByRole('listitem').filter({ hasText: 'hooks.example/edited' });
      // In the order the API keeps them.
      await edited.getByText('payment.reversal_failed, payment.voided').waitFor();
      await edited.getByText('Edited in the portal').waitFor();
      // As the API sees it.
      const { body } = await stack.graphql('{ webhookEndpoints(first: 100) { nodes { url eventTypes description } } }');
      expect(body.data!.webhookEndpoints.nodes).toContainEqual({
        url: 'https://hooks.example/edited',
        eventTypes: ['PAYMENT_REVERSAL_FAILED', 'PAYMENT_VOIDED'],
        description: 'Edited in the portal',
      });
    } finally {
      await context.close();
    }
  });

  it('works at 390 px wide, and sign-out ends the session', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await signIn(page, 'admin@demo.example', 'demo-admin-password');
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    // Nothing wider than the screen.
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'portal-webhooks-390');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto(portal);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await context.close();
  });

  it('keeps partners apart: the other partner’s admin sees none of demo’s endpoints', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'admin@other.example', 'other-admin-password');
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page
      .getByText('No endpoints yet.')
      .or(page.getByRole('list', { name: 'Endpoints' }))
      .first()
      .waitFor();
    await expect(page.getByText('hooks.example/from-portal').count()).resolves.toBe(0);
    await context.close();
  });
  /** A new order paid by card over the partner REST API (v1); its payment.approved event is committed on return. */
  async function payOverRest(token: string, locationId = 1): Promise<void> {
    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${stack.origin}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string };
    };
    const order = await call('/pos/v1/orders', { location_id: locationId, currency: 'USD', total_cents: 1800 });
    await call(`/pos/v1/orders/${order.id}/payments`, { amount_cents: 1800, currency: 'USD', card_token: 'tok_visa' });
  }

  it('delivers to an endpoint added in the portal, shows dead letters, and replays one once', async () => {
    const receiver = new Receiver();
    const url = await receiver.listen();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'admin@demo.example', 'demo-admin-password');
      await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.getByLabel('Endpoint URL').fill(url);
      await page.getByLabel('payment.approved').check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const secret = (await page.getByLabel('Signing secret').textContent())!;
      await page.getByRole('button', { name: 'Done' }).click();

      // A payment over REST arrives signed with the secret the portal showed, and shows as delivered there.
      const token = await stack.token();
      await payOverRest(token);
      await until(() => receiver.received.length === 1, 'the first delivery');
      expect(signedBy(secret, receiver.received[0])).toBe(true);
      const card = page.getByRole('listitem').filter({ hasText: url });
      await card.getByRole('button', { name: 'Deliveries' }).click();
      await card.locator('.delivery[data-status="delivered"]').first().waitFor({ timeout: 10_000 });

      // The receiver fails: after its retries the delivery is a dead letter, counted in the navigation.
      receiver.answer = () => ({ status: 503 });
      await payOverRest(token);
      await until(
        async () =>
          (await stack.graphql('{ webhookDeliveries(status: DEAD, first: 0) { totalCount } }', {}, token)).body.data!
            .webhookDeliveries.totalCount === 1,
        'the dead letter',
      );
      await page.locator('#dead-letter-count').waitFor({ timeout: 15_000 });
      await expect(page.locator('#dead-letter-count').getAttribute('aria-label')).resolves.toBe('1 dead letter');
      await card.getByLabel('Status').selectOption('DEAD');
      const dead = card.locator('.delivery[data-status="dead"]');
      await dead.waitFor({ timeout: 10_000 });
      await dead.getByText('Attempt log').click();
      await expect(dead.locator('.attempts li').count()).resolves.toBe(5);
      expect(await seriousViolations(page)).toEqual([]);
      await saveScreenshot(page, 'portal-webhooks-dead-letter-1280');

      // It recovers; Replay delivers the dead letter, once.
      const before = receiver.received.length;
      receiver.answer = () => ({ status: 200 });
      await dead.getByRole('button', { name: 'Replay' }).click();
      await until(() => receiver.received.length === before + 1, 'the replayed delivery');
      await page.locator('#dead-letter-count').waitFor({ state: 'detached', timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.received.length).toBe(before + 1);
      expect(signedBy(secret, receiver.received[before])).toBe(true);
    } finally {
      await context.close();
      await receiver.close();
    }
  });
  it('shows an operator every partner’s dead letters, by partner on request, and replays one', async () => {
    const receiver = new Receiver();
    const url = await receiver.listen();
    receiver.answer = () => ({ status: 503 });
    const partners = [
      { token: await stack.token(), location: 1 },
      { token: await stack.token('other-partner', 'other-secret'), location: 3 },
    ];
    for (const { token } of partners) {
      const { body } = await stack.graphql(
        `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, eventTypes: [PAYMENT_APPROVED] }) { userErrors { message } } }`,
        { url },
        token,
      );
      expect(body.data!.createWebhookEndpoint.userErrors).toEqual([]);
    }
    for (const { token, location } of partners) await payOverRest(token, location);
    const operatorToken = await stack.token('demo-operator', 'demo-operator-secret');
    const deadOf = async (partnerId: string) =>
      (
        await stack.graphql(
          `query($p: ID) { webhookDeadLetters(partnerId: $p, first: 100) { nodes { id endpointId } } }`,
          { p: partnerId },
          operatorToken,
        )
      ).body.data!.webhookDeadLetters.nodes.length;
    await until(async () => (await deadOf('demo')) >= 1 && (await deadOf('other')) >= 1, 'both partners’ dead letters');

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'ops@tilt.example', 'demo-ops-password');
      await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
      const letters = page.getByRole('list', { name: 'Dead letters' });
      await letters.locator('[data-partner="demo"]').first().waitFor();
      await letters.locator('[data-partner="other"]').first().waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await saveScreenshot(page, 'portal-operator-dead-letters-1280');

      await page.getByLabel('Partner').fill('other');
      await page.getByRole('button', { name: 'Filter' }).click();
      await letters.locator('[data-partner="demo"]').first().waitFor({ state: 'detached' });
      const others = await deadOf('other');
      // The filtered list may render after the demo rows leave (an empty list between): wait for its rows, then count.
      await letters
        .locator('[data-partner="other"]')
        .nth(others - 1)
        .waitFor();
      await expect(letters.locator('[data-partner="other"]').count()).resolves.toBe(others);

      receiver.answer = () => ({ status: 200 });
      const before = receiver.received.length;
      await letters.locator('[data-partner="other"]').first().getByRole('button', { name: 'Replay' }).click();
      await until(() => receiver.received.length === before + 1, 'the replayed delivery');
      await until(async () => (await deadOf('other')) === others - 1, 'the replayed letter leaving the queue');
      await expect(letters.locator('[data-partner="other"]').count()).resolves.toBe(others - 1);
    } finally {
      await context.close();
      await receiver.close();
    }
  });

  it('signs a partner developer in to their partner’s integrations', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'dev@demo.example', 'demo-dev-password');
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByText('Partner developer · demo').waitFor();
    await context.close();
  });
});
