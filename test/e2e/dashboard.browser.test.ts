import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Browser, BrowserContext, BrowserContextOptions, Page, WebSocketRoute } from 'playwright-core';
import { DashboardActivityDocument, DashboardDocument, persistedQueryHash, trustedDocuments } from '@pos/client';
import { ApiClient } from '@pos/gateway/src/identity/identity.entities';
import { cspDirectives, pageCsp, launchBrowser, saveScreenshot } from '../support/browser';
import { restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

/**
 * A TCP proxy between the browser and the gateway, so a test can cut the page's connections for real: `drop()`
 * resets every open connection (the page's WebSocket sees an abnormal close, the gateway a vanished client) and
 * refuses new ones until `restore()`, as a network outage would. The page is loaded through it; the test's own REST
 * calls go to the gateway directly, so payments keep committing while the page is away.
 */
async function startDropProxy(targetPort: number) {
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.resetAndDestroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      open.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    drop() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** GET with a Host header of the test's choosing (fetch will not send one), for what the gateway echoes of it. */
function getWithHost(url: string, host: string): Promise<{ headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ headers: response.headers, body }));
      })
      .on('error', reject);
  });
}

/** The messages a page sent over its WebSockets (graphql-transport-ws frames), parsed. */
function recordSentFrames(page: Page): any[] {
  const sent: any[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (frame) => {
      if (typeof frame.payload === 'string') sent.push(JSON.parse(frame.payload));
    }),
  );
  return sent;
}

/** Console errors and uncaught exceptions of a page (a CSP violation is reported as a console error). */
function recordPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}

/** The hashes of @pos/client's manifest, as the page sends them (extensions.persistedQuery.sha256Hash). */
const MANIFEST_HASHES = Object.keys(trustedDocuments).map((id) => id.replace(/^sha256:/, ''));

/**
 * The live dashboard (apps/web/src/dashboard) at GET /dashboard, against a gateway with TRUSTED_DOCUMENTS=require
 * whose M2M clients are flagged first-party (free_documents off): the page works only because it sends @pos/client's
 * documents by hash.
 */
describe('Live payments dashboard (browser)', () => {
  let stack: Stack;
  let demo: string;
  let browser: Browser;
  let proxy: Awaited<ReturnType<typeof startDropProxy>>;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startStack({ gatewayEnv: { TRUSTED_DOCUMENTS: 'require' } }),
      launchBrowser(),
    ]);
    // The dashboard's token is a first-party app's: under `require` it may send nothing but the manifest's hashes.
    await stack.gateway.orm.em.fork().nativeUpdate(ApiClient, { clientId: 'demo-partner' }, { freeDocuments: false });
    demo = await stack.token();
    proxy = await startDropProxy(stack.gateway.port);
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await stack?.close();
  });

  const call = restClient(
    () => stack,
    () => demo,
  );
  /**
   * Creates an order and pays it in full over REST; resolves, once the payment is approved, with the time the
   * payment request was sent, the payment's id and the order's.
   */
  const payOverRest = async (
    locationId: number,
    cents: number,
    currency = 'USD',
  ): Promise<[number, string, string]> => {
    const order = await call('POST', '/pos/v1/orders', {
      headers: { 'idempotency-key': randomUUID() },
      body: { location_id: locationId, currency, total_cents: cents },
    });
    expect(order.status).toBe(201);
    const sent = Date.now();
    const payment = await call('POST', `/pos/v1/orders/${order.body.id}/payments`, {
      headers: { 'idempotency-key': randomUUID() },
      body: { amount_cents: cents, currency, card_token: 'tok_visa' },
    });
    expect(payment.status).toBe(201);
    expect(payment.body.status).toBe('approved');
    return [sent, payment.body.id as string, order.body.id as string];
  };

  const newPage = async (options: BrowserContextOptions = {}) => {
    const context = await browser.newContext(options);
    contexts.push(context);
    return context.newPage();
  };
  const signIn = async (page: Page, origin: string, token = demo) => {
    await page.goto(`${origin}/dashboard`);
    await page.fill('#token', token);
    await page.click('#sign-in-form button[type=submit]');
  };
  const waitForState = (page: Page, state: string, timeout = 10_000) =>
    page.locator(`#status[data-state="${state}"]`).waitFor({ timeout });
  const feedRowsOf = (page: Page, paymentId: string) => page.locator('#feed tbody tr', { hasText: paymentId });
  const feedEventIds = (page: Page) =>
    page.locator('#feed tbody tr').evaluateAll((rows: any[]) => rows.map((row) => row.getAttribute('data-event-id')));
  const totals = (page: Page) =>
    page
      .locator('#totals tbody tr')
      .evaluateAll((rows: any[]) =>
        rows.map((row) => Array.from(row.querySelectorAll('td'), (td: any) => td.textContent).join(' | ')),
      );
  const sessionValue = (page: Page, key: string) =>
    page.evaluate((k) => (globalThis as any).sessionStorage.getItem(k) as string | null, key);
  const savedCursor = async (page: Page) => JSON.parse((await sessionValue(page, 'pos-dashboard.state'))!).cursor;
  const net = (page: Page) =>
    page
      .locator('#net tbody tr')
      .evaluateAll((rows: any[]) =>
        rows.map((row) => Array.from(row.querySelectorAll('td'), (td: any) => td.textContent).join(' | ')),
      );
  /** The graphql-ws subscribe messages of one operation of the page. */
  const subscribes = (sent: any[], operationName: string) =>
    sent.filter((m) => m.type === 'subscribe' && m.payload.operationName === operationName);

  it('serves the page and its assets with a strict CSP, nosniff and no caching of the HTML', async () => {
    const page = await fetch(`${stack.origin}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(cspDirectives(page.headers.get('content-security-policy')!)).toEqual(pageCsp(stack.gateway.port));
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    // Every script is an external file of this origin's build: no inline script or handler the CSP would have to
    // allow.
    expect(html.match(/<script\b[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script type="module" crossorigin src="\/web\/assets\/dashboard-[\w-]+\.js">$/),
    ]);
    expect(html).not.toMatch(/\son[a-z]+=|style=/i);
    expect(html).not.toMatch(/https?:\/\//);

    const script = html.match(/<script [^>]*src="([^"]+)"/)![1];
    const styleSheet = html.match(/<link rel="stylesheet" [^>]*href="([^"]+)"/)![1];
    const icon = html.match(/<link rel="icon" href="([^"]+)"/)![1];
    for (const [asset, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [styleSheet, 'text/css; charset=utf-8'],
      [icon, 'image/svg+xml'],
    ]) {
      const response = await fetch(`${stack.origin}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      // Content-hashed names (a deploy brings new names, so the next load takes it): cached for good.
      expect(asset).toMatch(/^\/web\/assets\/[\w-]+-[\w-]{8}\.(js|css|svg)$/);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
    // The WebSocket source follows the Host the page was loaded from, but only a plain host is ever echoed.
    const named = await getWithHost(`${stack.origin}/dashboard`, 'pos.example.com:8443');
    expect(named.headers['content-security-policy']).toContain(
      "connect-src 'self' ws://pos.example.com:8443 wss://pos.example.com:8443;",
    );
    for (const host of ['evil.example;script-src *', "evil.example 'unsafe-inline'", 'a/b']) {
      const odd = await getWithHost(`${stack.origin}/dashboard`, host);
      expect(odd.headers['content-security-policy']).toContain("connect-src 'self';");
    }
    expect((await fetch(`${stack.origin}/dashboard/nothing`)).status).toBe(404);
  });

  it('shows a REST payment within 2 s, and after its socket is dropped resumes without missing the one made while it was away', async () => {
    const page = await newPage();
    const errors = recordPageErrors(page);
    const sent = recordSentFrames(page);
    await signIn(page, proxy.origin);
    await waitForState(page, 'live');
    // The token is kept in this tab's sessionStorage, never in the URL.
    expect(await sessionValue(page, 'pos-dashboard.token')).toBe(demo);
    expect(page.url()).toBe(`${proxy.origin}/dashboard`);

    const [started, first] = await payOverRest(1, 2500);
    await feedRowsOf(page, first).waitFor({ timeout: Math.max(1, 2000 - (Date.now() - started)) });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await page.textContent('#partner')).toBe('demo');
    expect(await feedRowsOf(page, first).locator('td').allTextContents()).toEqual([
      expect.stringMatching(/\d\d:\d\d:\d\d/),
      'payment.approved',
      'Demo Bistro Downtown',
      '$25.00',
      'APPROVED',
      first,
    ]);
    expect(await totals(page)).toEqual(['Demo Bistro Downtown | payment.approved | 1 | $25.00']);
    const cursorOfFirst = await savedCursor(page);
    expect(cursorOfFirst).toMatch(/^\d+$/);

    // Cut the connection (TCP reset) and keep the page away while a second payment commits.
    await page.evaluate(() => ((globalThis as any).notReloaded = true));
    proxy.drop();
    await waitForState(page, 'reconnecting', 5000);
    const [, second] = await payOverRest(2, 1234);
    await page.waitForTimeout(500);
    expect(await feedRowsOf(page, second).count()).toBe(0);
    proxy.restore();

    await feedRowsOf(page, second).waitFor({ timeout: 15_000 });
    await waitForState(page, 'live');
    // It resubscribed after the cursor of the last event it had, on a new connection, in the same page (no reload).
    const resumes = subscribes(sent, 'Dashboard').filter((m) => m.payload.variables.after);
    expect(resumes.map((m) => m.payload.variables.after)).toContain(cursorOfFirst);
    // Every operation went by its hash from @pos/client's manifest, never as text.
    expect(sent.filter((m) => m.type === 'subscribe').length).toBeGreaterThanOrEqual(3);
    for (const m of sent.filter((m) => m.type === 'subscribe')) {
      expect(m.payload.query).toBe('');
      expect(MANIFEST_HASHES).toContain(m.payload.extensions.persistedQuery.sha256Hash);
    }
    expect(await page.evaluate(() => (globalThis as any).notReloaded)).toBe(true);
    // Exactly once: one row per event, both payments, newest first.
    expect(await feedRowsOf(page, second).count()).toBe(1);
    expect(await feedRowsOf(page, first).count()).toBe(1);
    const ids = await feedEventIds(page);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(await page.locator('#feed tbody tr').first().textContent()).toContain(second);
    expect(await totals(page)).toEqual([
      'Demo Bistro Downtown | payment.approved | 1 | $25.00',
      'Demo Bistro Airport | payment.approved | 1 | $12.34',
    ]);
    await saveScreenshot(page, 'dashboard-after-resume');

    // A reload keeps the session and what was counted, and resumes from the saved cursor: still no duplicates.
    await page.reload();
    await waitForState(page, 'live');
    const [, third] = await payOverRest(1, 100);
    await feedRowsOf(page, third).waitFor({ timeout: 5000 });
    expect(await feedEventIds(page)).toHaveLength(3);
    expect(await totals(page)).toEqual([
      'Demo Bistro Downtown | payment.approved | 2 | $26.00',
      'Demo Bistro Airport | payment.approved | 1 | $12.34',
    ]);
    // Nothing went wrong but the refused connections of the outage (no CSP violation, no exception).
    expect(errors.filter((e) => !/^WebSocket connection to '.*' failed/.test(e))).toEqual([]);
  });

  it('resumes after the gateway closes its socket with 4008, and a refused token ends the session', async () => {
    const page = await newPage();
    const errors = recordPageErrors(page);
    // Playwright's WebSocket routing sits between the page and the gateway, forwarding every frame both ways, so
    // the test can close the page's socket with the gateway's own slow-client code and reason.
    const routes: Array<{ page: WebSocketRoute; server: WebSocketRoute }> = [];
    await page.routeWebSocket(/\/graphql$/, (ws) => {
      routes.push({ page: ws, server: ws.connectToServer() });
    });
    await signIn(page, stack.origin);
    await waitForState(page, 'live');
    // Today's totals so far (the previous test's payments) are there before any event arrives.
    expect(await totals(page)).toEqual([
      'Demo Bistro Downtown | payment.approved | 2 | $26.00',
      'Demo Bistro Airport | payment.approved | 1 | $12.34',
    ]);
    const [, before] = await payOverRest(2, 700);
    await feedRowsOf(page, before).waitFor({ timeout: 5000 });

    const route = routes.at(-1)!;
    await route.page.close({
      code: 4008,
      reason: 'Client too slow: subscribe again with after set to the last cursor',
    });
    await route.server.close();
    await page.locator('#status[data-last-close="4008"]').waitFor({ timeout: 5000 });
    const [, after] = await payOverRest(2, 800);
    await feedRowsOf(page, after).waitFor({ timeout: 10_000 });
    expect(routes.length).toBeGreaterThanOrEqual(2);
    expect(await feedEventIds(page)).toHaveLength(2);
    expect(await totals(page)).toEqual([
      'Demo Bistro Downtown | payment.approved | 2 | $26.00',
      'Demo Bistro Airport | payment.approved | 3 | $27.34',
    ]);

    // Sign out forgets the token and what was counted.
    await page.click('#sign-out');
    await page.locator('#sign-in').waitFor();
    expect(await sessionValue(page, 'pos-dashboard.token')).toBeNull();
    expect(await sessionValue(page, 'pos-dashboard.state')).toBeNull();

    // A token the gateway refuses (graphql-ws closes with 4403) brings the sign-in form back with a reason.
    await signIn(page, stack.origin, 'not-a-token');
    await page.locator('#sign-in-error:not([hidden])').waitFor({ timeout: 5000 });
    expect(await page.textContent('#sign-in-error')).toContain('refused this token');
    expect(await sessionValue(page, 'pos-dashboard.token')).toBeNull();
    expect(errors).toEqual([]);
  });
  it("starts from today's totals in the browser's time zone, shows a partial refund's own amount, and fits 390 px", async () => {
    // Before the page opens: a payment to refund later, and one in yen.
    const [, refundable, orderId] = await payOverRest(1, 4000);
    const [, yen] = await payOverRest(2, 1000, 'JPY');

    // A phone in Tokyo: the day starts at local midnight there, not at sign-in and not in the gateway's zone.
    const page = await newPage({ viewport: { width: 390, height: 844 }, timezoneId: 'Asia/Tokyo' });
    const errors = recordPageErrors(page);
    const sent = recordSentFrames(page);
    await signIn(page, stack.origin);
    await waitForState(page, 'live');
    const tokyoOffset = 9 * 3600_000;
    const tokyoMidnight = new Date(Math.floor((Date.now() + tokyoOffset) / 86_400_000) * 86_400_000 - tokyoOffset);
    const [start] = subscribes(sent, 'DashboardActivity');
    expect(start.payload).toEqual({
      query: '',
      operationName: 'DashboardActivity',
      variables: { from: tokyoMidnight.toISOString() },
      extensions: { persistedQuery: { version: 1, sha256Hash: persistedQueryHash(DashboardActivityDocument) } },
    });
    // The subscription continues from the snapshot's own cursor.
    const [stream] = subscribes(sent, 'Dashboard');
    expect(stream.payload.extensions.persistedQuery.sha256Hash).toBe(persistedQueryHash(DashboardDocument));
    expect(stream.payload.variables.after).toBe(await savedCursor(page));

    // First load: every payment made today before the page opened is counted, by location name and currency; no
    // event has arrived yet.
    expect(await page.locator('#feed tbody tr').count()).toBe(0);
    const beforeRefund = [
      'Demo Bistro Downtown | payment.approved | 3 | $66.00',
      'Demo Bistro Airport | payment.approved | 1 | ¥1,000',
      'Demo Bistro Airport | payment.approved | 3 | $27.34',
    ];
    expect(await totals(page)).toEqual(beforeRefund);

    // A partial refund: the feed and the totals count the refund's own $15.00, not the payment's $40.00.
    const refund = await call('POST', `/pos/v1/orders/${orderId}/payments/${refundable}/refunds`, {
      headers: { 'idempotency-key': randomUUID() },
      body: { amount_cents: 1500 },
    });
    expect(refund.status).toBe(201);
    await feedRowsOf(page, refundable).waitFor({ timeout: 5000 });
    expect(await feedRowsOf(page, refundable).locator('td').allTextContents()).toEqual([
      expect.stringMatching(/\d\d:\d\d:\d\d/),
      'payment.refunded',
      'Demo Bistro Downtown',
      '$15.00',
      'PARTIALLY_REFUNDED',
      refundable,
    ]);
    const afterRefund = [
      'Demo Bistro Downtown | payment.approved | 3 | $66.00',
      'Demo Bistro Downtown | payment.refunded | 1 | $15.00',
      'Demo Bistro Airport | payment.approved | 1 | ¥1,000',
      'Demo Bistro Airport | payment.approved | 3 | $27.34',
    ];
    expect(await totals(page)).toEqual(afterRefund);
    expect(await net(page)).toEqual([
      'Demo Bistro Downtown | $66.00 | $15.00 | $51.00',
      'Demo Bistro Airport | ¥1,000 | ¥0 | ¥1,000',
      'Demo Bistro Airport | $27.34 | $0.00 | $27.34',
    ]);
    expect(await page.locator('#feed tbody tr', { hasText: yen }).count()).toBe(0);

    // 390 px wide: nothing scrolls sideways, with a feed row's payment id and every total on screen.
    const widths = await page.evaluate(() => {
      const root = (globalThis as any).document.documentElement;
      return { scroll: root.scrollWidth, viewport: (globalThis as any).innerWidth };
    });
    expect(widths).toEqual({ scroll: 390, viewport: 390 });
    for (const selector of ['#totals', '#net', '#feed', 'header']) {
      const box = (await page.locator(selector).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    await saveScreenshot(page, 'dashboard-390px');

    // Another page opening now starts from the same totals: the snapshot sums refunds as the live page does.
    const other = await newPage({ timezoneId: 'Asia/Tokyo' });
    await signIn(other, stack.origin);
    await waitForState(other, 'live');
    expect(await totals(other)).toEqual(afterRefund);
    expect(errors).toEqual([]);
  });
  it('falls back to the manifest text where the gateway ignores the manifest (TRUSTED_DOCUMENTS=off)', async () => {
    const off = await startStack({ gatewayEnv: { TRUSTED_DOCUMENTS: 'off' } });
    try {
      const page = await newPage();
      const errors = recordPageErrors(page);
      const sent = recordSentFrames(page);
      await signIn(page, off.origin, await off.token());
      await waitForState(page, 'live');
      expect(await page.textContent('#totals-empty')).toBe('No events yet today.');
      // Each operation: by hash, answered PersistedQueryNotFound, then once more with the manifest's exact text.
      for (const [name, document] of [
        ['DashboardActivity', DashboardActivityDocument],
        ['Dashboard', DashboardDocument],
      ] as const) {
        const hash = persistedQueryHash(document);
        expect(subscribes(sent, name).map((m) => [m.payload.query, m.payload.extensions.persistedQuery])).toEqual([
          ['', { version: 1, sha256Hash: hash }],
          [trustedDocuments[`sha256:${hash}`], { version: 1, sha256Hash: hash }],
        ]);
      }
      expect(errors).toEqual([]);
    } finally {
      await off.close();
    }
  });
});
