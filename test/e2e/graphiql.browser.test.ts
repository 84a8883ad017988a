import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cspDirectives, launchBrowser, saveScreenshot } from '../support/browser';
import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';

/**
 * The GraphiQL IDE the gateway serves at GET /graphql outside production, driven in real Chromium: bundled by Vite
 * and loaded from the gateway alone (no CDN, Monaco's workers included), under a CSP that allows no inline script
 * and no eval. A person pastes a token in the headers editor, runs a query, subscribes to payment events over
 * graphql-ws and sees a payment's event arrive.
 */

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Every request the page makes, and those refused because they would leave this machine. */
async function confineToLocal(context: BrowserContext) {
  const requested: string[] = [];
  const external: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    requested.push(url.href);
    if (url.protocol === 'data:' || url.protocol === 'blob:' || LOCAL_HOSTS.has(url.hostname)) {
      return route.continue();
    }
    external.push(url.href);
    return route.abort('blockedbyclient');
  });
  return { requested, external };
}

/**
 * CSP violations: the document's `securitypolicyviolation` events (a listener installed before any page script
 * runs) and Chromium's console reports, which also cover the workers.
 */
async function recordCspViolations(page: Page) {
  const console: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) console.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as any).__cspViolations = seen;
    (globalThis as any).document.addEventListener('securitypolicyviolation', (event: any) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  return async () => [...console, ...(await page.evaluate(() => (globalThis as any).__cspViolations as string[]))];
}

describe('GraphiQL at /graphql (browser)', () => {
  let stack: Stack;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    token = await stack.token();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Replaces a Monaco editor's whole text, as a person pasting would. */
  const replaceText = async (page: Page, editor: string, text: string) => {
    await page.locator(editor).click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
    // GraphiQL takes an edit in after a short debounce (then stores the query): running sooner sends the previous
    // operation name, or headers not yet taken in. Headers are edited before the query, so this covers both.
    if (editor === QUERY_EDITOR) {
      await page.waitForFunction((value) => (globalThis as any).localStorage.getItem('graphiql:query') === value, text);
    }
  };
  const QUERY_EDITOR = '.graphiql-query-editor .monaco-editor';
  const HEADER_EDITOR = '.graphiql-editor-tool .monaco-editor[data-uri$="headers.json"]';
  const response = (page: Page) => page.locator('.graphiql-response');
  /** Waits until the response editor shows `text` (Monaco renders a result's spaces as no-break spaces). */
  const showsText = async (page: Page, text: string | RegExp) => {
    try {
      await page.locator('.graphiql-response', { hasText: text }).waitFor({ timeout: 45_000 });
    } catch (error) {
      const shown = await response(page).innerText();
      await saveScreenshot(page, 'graphiql-failure');
      throw new Error(`the response pane never showed ${text}; it shows:\n${shown}\n${(error as Error).message}`);
    }
  };
  const run = (page: Page) => page.locator('.graphiql-execute-button').click();

  it('serves the page with its own CSP and its hashed assets with immutable caching', async () => {
    const page = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(cspDirectives(page.headers.get('content-security-policy')!)).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'worker-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'font-src': "'self' data:",
      'img-src': "'self' data:",
      'connect-src': `'self' ws://127.0.0.1:${stack.gateway.port} wss://127.0.0.1:${stack.gateway.port}`,
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
    const html = await page.text();
    // Only this origin's module scripts; nothing inline, nothing from a CDN.
    const scripts = html.match(/<script\b[^>]*>[^<]*<\/script>/g)!;
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts)
      expect(script).toMatch(/^<script type="module" crossorigin src="\/web\/assets\/[^"]+"><\/script>$/);
    expect(html).not.toMatch(/https?:\/\//);

    const asset = html.match(/src="(\/web\/assets\/[^"]+\.js)"/)![1];
    const script = await fetch(`${stack.origin}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${stack.origin}/web/assets/missing.js`)).status).toBe(404);

    // A GraphQL client's GET still reaches the GraphQL server.
    const json = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}`, 'apollo-require-preflight': '1' },
    });
    expect(await json.json()).toMatchObject({ data: { __typename: 'Query' } });
  });

  it('runs a query and a paymentEvents subscription with the token from the headers editor, all from this origin', async () => {
    const context = await browser.newContext();
    try {
      const traffic = await confineToLocal(context);
      const page = await context.newPage();
      const violations = await recordCspViolations(page);
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));

      await page.goto(stack.gatewayUrl);
      await page.locator(QUERY_EDITOR).waitFor({ timeout: 30_000 });

      await page.getByRole('button', { name: /headers/i }).click();
      await replaceText(page, HEADER_EDITOR, `{ "Authorization": "Bearer ${token}" }`);
      await replaceText(page, QUERY_EDITOR, 'query Locations { locations { nodes { id name } } }');
      await run(page);
      await showsText(page, /"name":\s"[^"]+"/);
      expect(await response(page).innerText()).not.toMatch(/errors/);

      // Anchored at a cursor taken now, so the payment below is delivered whether it commits before or after the
      // subscription goes live.
      const cursor = (await stack.graphql('{ paymentEventsCursor }', {}, token)).body.data!.paymentEventsCursor;
      await replaceText(
        page,
        QUERY_EDITOR,
        `subscription Events { paymentEvents(after: "${cursor}") { type payment { id } } }`,
      );
      await run(page);
      const { paymentId } = await payOrder(stack, token, { amountCents: 2350 });
      await showsText(page, paymentId);
      expect(await response(page).innerText()).toContain('PAYMENT_APPROVED');
      await saveScreenshot(page, 'graphiql-subscription');

      expect(sockets).toEqual([stack.gatewayUrl.replace(/^http/, 'ws')]);
      expect(traffic.requested.length).toBeGreaterThan(0);
      expect(traffic.external).toEqual([]);
      expect(await violations()).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
    // Monaco's first load, the first federated query and a payment: well over a minute on a loaded two-core machine.
  }, 180_000);
});
