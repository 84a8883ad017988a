import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LAUNCH_TOKEN_TTL_SECONDS } from '@pos/gateway/src/auth/launch';
import { cspDirectives, pageCsp, launchBrowser, saveScreenshot, seriousViolations } from '../support/browser';
import { type Stack, startStack } from '../support/stack';

// Short, so that a revoked session's access token is refused within the test; the default is 30 s.
const AUTH_CACHE_TTL_SECONDS = 0.2;
const afterCacheExpiry = () => sleep(AUTH_CACHE_TTL_SECONDS * 1000 + 100);
const WIDE = { viewport: { width: 1280, height: 800 } };
const NARROW = { viewport: { width: 390, height: 844 }, isMobile: true };

/**
 * The POS staff's landing page of a launch link (GET /pos/launch) in a real browser on the whole system: a launch
 * link minted over REST by the demo partner's client lands signed in at its location, with that location's open
 * checks read through the graph; the token leaves the address at once and no token is ever in storage or a URL; the
 * same link opened again, a forged one, an expired one and none at all each get a page saying what happened and what
 * to do; the session is refreshed before its access token runs out; Sign out revokes it. Every page passes axe-core
 * (no serious or critical violation) at 390 and 1280 px.
 */
describe('POS launch page (browser)', () => {
  let stack: Stack;
  let browser: Browser;
  let demo: string;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startStack({ gatewayEnv: { AUTH_CACHE_TTL_SECONDS: String(AUTH_CACHE_TTL_SECONDS) } }),
      launchBrowser(),
    ]);
    demo = await stack.token();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  afterEach(() => {
    stack.gateway.clock.now = () => new Date();
  });

  /** A launch link for a new person, minted by the demo partner's client: its URL on the gateway's public URL. */
  async function mint(body: Record<string, unknown> = {}) {
    const response = await fetch(`${stack.origin}/pos/v1/launch-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
      body: JSON.stringify({ location_id: 2, email: `staff-${randomUUID()}@demo.example`, ...body }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { token: string; launch_url: string; email: string };
  }
  /** The page's own origin (the launch URL's), for links made up by the test. */
  const pageUrl = (fragment = '') => `http://localhost:${stack.gateway.port}/pos/launch${fragment}`;

  /** A page that records the URL of every request it makes and every navigation, to look for tokens in them. */
  async function openPage(context: BrowserContext) {
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    page.on('framenavigated', (frame) => urls.push(frame.url()));
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    return { page, urls, problems };
  }

  /** Opens a launch link; resolves with the exchange's answer (the session's tokens, as the page received them). */
  async function land(page: Page, url: string) {
    const exchanged = page.waitForResponse((r) => r.url().endsWith('/pos/v1/public/launch-exchange'));
    await page.goto(url);
    return (await (await exchanged).json()) as {
      access_token: string;
      refresh_token: string;
      session_id: string;
      user: { name: string; email: string };
    };
  }

  /** No token in the address, the storage or a cookie the script can see, and nothing wider than the screen. */
  async function expectNothingKept(page: Page, width: number) {
    expect(new URL(page.url()).hash).toBe('');
    const kept = await page.evaluate(() => {
      const window = globalThis as any;
      return {
        href: window.location.href as string,
        local: Object.keys(window.localStorage),
        session: Object.keys(window.sessionStorage),
        cookie: window.document.cookie as string,
        scrollWidth: window.document.documentElement.scrollWidth as number,
      };
    });
    expect(kept).toEqual({
      href: expect.not.stringContaining('#'),
      local: [],
      session: [],
      cookie: '',
      scrollWidth: expect.any(Number),
    });
    expect(kept.scrollWidth).toBeLessThanOrEqual(width);
  }

  /** The open checks of location 2 as the partner reads them: posRef, table, total and amount due as the page shows. */
  async function openChecksOfLocation2() {
    const { body } = await stack.graphql(
      '{ location(id: 2) { checks(first: 100) { nodes { posRef tableName total { amountMinor currency } amountDue { amountMinor currency } } } } }',
      {},
      demo,
    );
    const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
    return (body.data!.location.checks.nodes as any[]).map((c) => {
      expect([c.total.currency, c.amountDue.currency]).toEqual(['USD', 'USD']);
      return [c.posRef, c.tableName, usd.format(c.total.amountMinor / 100), usd.format(c.amountDue.amountMinor / 100)];
    });
  }
  /** The rows of the page's open checks table: posRef, table, total, amount due. */
  const shownChecks = (page: Page) =>
    page
      .locator('tbody tr')
      .evaluateAll((rows: any[]) =>
        rows.map((row) => [
          row.querySelector('.pos-ref').textContent,
          row.children[1].textContent,
          row.children[2].textContent,
          row.children[3].textContent,
        ]),
      );

  it('serves the page under the dashboard’s strict CSP, with no inline script and no caching', async () => {
    const page = await fetch(`${stack.origin}/pos/launch`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(cspDirectives(page.headers.get('content-security-policy')!)).toEqual(pageCsp(stack.gateway.port));
    const html = await page.text();
    expect(html.match(/<script\b[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script type="module" crossorigin src="\/web\/assets\/launch-[\w-]+\.js">$/),
    ]);
    expect(html).not.toMatch(/\son[a-z]+=|style=|https?:\/\//i);
  });

  it('lands a launch link signed in at its location with its open checks (1280 px); the same link again is refused', async () => {
    const context = await browser.newContext({ ...WIDE, locale: 'en-US' });
    const { page, urls, problems } = await openPage(context);
    const link = await mint({ name: 'Sam Server' });
    const session = await land(page, link.launch_url);

    await page.getByRole('heading', { level: 1, name: 'Demo Bistro Airport' }).waitFor();
    await expect(page.locator('#user-name').textContent()).resolves.toBe('Sam Server');
    await expect(page.locator('#user-email').textContent()).resolves.toBe(link.email);
    await expect(page.locator('#user-role').textContent()).resolves.toBe('Cashier');
    await expect(page.locator('.signed-in-as').textContent()).resolves.toBe(
      `Signed in as Sam Server (${link.email}), Cashier at Demo Bistro Airport.`,
    );
    await page.getByRole('table', { name: 'Open checks' }).waitFor();
    // The seed's four open checks of location 2 (2-101 … 2-104, 2-104 locked), as the partner reads them.
    const expected = await openChecksOfLocation2();
    expect(expected.map(([posRef]) => posRef)).toEqual(['2-101', '2-102', '2-103', '2-104']);
    expect(await shownChecks(page)).toEqual(expected);
    await expect(page.locator('tr[data-pos-ref="2-104"] .badge').textContent()).resolves.toBe('being paid');
    await expect(page.locator('#checks-count').textContent()).resolves.toBe('4 open checks.');
    expect(await page.title()).toBe('Demo Bistro Airport — POS');

    await expectNothingKept(page, 1280);
    for (const secret of [link.token, session.access_token, session.refresh_token]) {
      expect(urls.filter((u) => u.includes(secret))).toEqual(link.token === secret ? [link.launch_url] : []);
    }
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'launch-1280');

    // The same link again (another tab): refused as used, and the session it opened first is revoked.
    const again = await openPage(context);
    await again.page.goto(link.launch_url);
    await again.page.getByRole('heading', { level: 1, name: 'This launch link was already used' }).waitFor();
    await again.page.getByText('Ask for a new launch link from your POS or partner app.').waitFor();
    await again.page.getByText(/^Reference: [\w.:-]+ \(quote it if you contact support\)\.$/).waitFor();
    await expectNothingKept(again.page, 1280);
    expect(await seriousViolations(again.page)).toEqual([]);
    await saveScreenshot(again.page, 'launch-used-1280');

    // The first tab learns it at its next read of the graph: the session ended, said as a page, never JSON.
    await afterCacheExpiry();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your session has ended' }).waitFor();
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    await expect(page.locator('body').textContent()).resolves.not.toMatch(/[{}]|at \S+\.[jt]sx?:\d+/);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'launch-ended-1280');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('signs out from the keyboard at 390 px: the session is revoked and its access token refused', async () => {
    const context = await browser.newContext({ ...NARROW, locale: 'en-US' });
    const { page, problems } = await openPage(context);
    const link = await mint({ name: 'Kim Runner', role_slug: 'location_manager' });
    const session = await land(page, link.launch_url);
    await page.getByRole('heading', { level: 1, name: 'Demo Bistro Airport' }).waitFor();
    await page.getByRole('table', { name: 'Open checks' }).waitFor();
    await expect(page.locator('#user-role').textContent()).resolves.toBe('Manager');
    await expectNothingKept(page, 390);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'launch-390');
    expect((await stack.graphql('{ location(id: 2) { name } }', {}, session.access_token)).status).toBe(200);

    // Keyboard only. Signed in, focus is on the page's heading (announced as the new page); Tab goes on to the
    // checks' Refresh, Shift+Tab back to the banner's Sign out, and Enter signs out.
    const focused = () => page.evaluate(() => (globalThis as any).document.activeElement.textContent as string);
    await expect(focused()).resolves.toBe('Demo Bistro Airport');
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toBe('Refresh');
    await page.keyboard.press('Shift+Tab');
    await expect(focused()).resolves.toBe('Sign out');
    const revoked = page.waitForRequest((r) => r.url().endsWith('/oauth2/revoke'));
    await page.keyboard.press('Enter');
    const revocation = new URLSearchParams((await revoked).postData() ?? '');
    expect(Object.fromEntries(revocation)).toEqual({ token: session.refresh_token, client_id: 'pos-app' });
    await page.getByRole('heading', { level: 1, name: 'You are signed out' }).waitFor();
    await page.getByText('Your session is closed, on this device and at the gateway.').waitFor();
    // Focus moved to the new page's heading, so that it is announced and the keyboard starts from the top.
    await expect(page.evaluate(() => (globalThis as any).document.activeElement.id)).resolves.toBe('page-heading');
    await expectNothingKept(page, 390);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'launch-signed-out-390');

    await afterCacheExpiry();
    const refused = await stack.graphql('{ location(id: 2) { name } }', {}, session.access_token);
    expect(refused.status).toBe(401);
    const refresh = await fetch(`${stack.origin}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: session.refresh_token }),
    });
    expect(await refresh.json()).toEqual({ error: 'invalid_grant', error_description: 'The session has been revoked' });

    // The link again, at 390 px: used.
    await page.goto(link.launch_url);
    await page.getByRole('heading', { level: 1, name: 'This launch link was already used' }).waitFor();
    await expectNothingKept(page, 390);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'launch-used-390');
    expect(problems).toEqual([]);
    await context.close();
  });

  it.each([
    ['1280', WIDE],
    ['390', NARROW],
  ])('says what happened to a forged, malformed, expired or missing link (%s px)', async (width, options) => {
    const context = await browser.newContext(options);
    const { page, problems } = await openPage(context);
    const cases: Array<[string, () => Promise<string>, string, boolean]> = [
      ['invalid', async () => pageUrl(`#token=lt_${randomBytes(32).toString('base64url')}`), 'not valid', true],
      ['malformed', async () => pageUrl('#token=garbage'), 'not valid', true],
      [
        'expired',
        async () => {
          const link = await mint();
          const mintedAt = Date.now();
          stack.gateway.clock.now = () => new Date(mintedAt + (LAUNCH_TOKEN_TTL_SECONDS + 1) * 1000);
          return link.launch_url;
        },
        'has expired',
        true,
      ],
      ['missing', async () => pageUrl(), 'This page needs a launch link', false],
    ];
    for (const [name, url, heading, withReference] of cases) {
      await page.goto(await url());
      const title = page.getByRole('heading', { level: 1 });
      await title.filter({ hasText: heading }).waitFor();
      const text = (await page.locator('main').textContent())!;
      expect(text).toContain('Ask for a new launch link from your POS or partner app.');
      // A sentence and the request's reference, never the gateway's JSON or a stack.
      expect(text).not.toMatch(/[{}"]|validation_error|invalid_token|at \S+\.[jt]sx?:\d+/);
      await expect(page.getByText(/^Reference: /).count()).resolves.toBe(withReference ? 1 : 0);
      await expect(page.getByRole('button').count()).resolves.toBe(0);
      await expectNothingKept(page, Number(width));
      expect(await seriousViolations(page)).toEqual([]);
      await saveScreenshot(page, `launch-${name}-${width}`);
      stack.gateway.clock.now = () => new Date();
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it('takes a second launch link opened in the same tab: the first session is signed out, the new one lands', async () => {
    const context = await browser.newContext({ ...WIDE, locale: 'en-US' });
    const { page, problems } = await openPage(context);
    const first = await land(page, (await mint({ name: 'First Person' })).launch_url);
    await expect(page.locator('#user-name').textContent()).resolves.toBe('First Person');
    // Only the fragment differs: the browser loads no new page, the page sees the fragment change.
    const second = await mint({ name: 'Second Person', location_id: 1 });
    const revoked = page.waitForRequest((r) => r.url().endsWith('/oauth2/revoke'));
    const exchanged = page.waitForResponse((r) => r.url().endsWith('/pos/v1/public/launch-exchange'));
    await page.goto(second.launch_url);
    expect(new URLSearchParams((await revoked).postData() ?? '').get('token')).toBe(first.refresh_token);
    expect((await exchanged).status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Demo Bistro Downtown' }).waitFor();
    await expect(page.locator('#user-name').textContent()).resolves.toBe('Second Person');
    await page.locator('tr[data-pos-ref="1-101"]').waitFor();
    await expectNothingKept(page, 1280);
    await afterCacheExpiry();
    expect((await stack.graphql('{ location(id: 2) { name } }', {}, first.access_token)).status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('refreshes the session before its access token runs out, keeping each rotated refresh token', async () => {
    const context = await browser.newContext({ ...WIDE, locale: 'en-US' });
    const { page, problems } = await openPage(context);
    // The page's clock, to move it past the refresh time (the access tokens last an hour) without waiting.
    await page.clock.install();
    const session = await land(page, (await mint()).launch_url);
    await page.getByRole('table', { name: 'Open checks' }).waitFor();
    const refreshes: Request[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/oauth2/token')) refreshes.push(request);
    });

    let refreshToken = session.refresh_token;
    let accessToken = session.access_token;
    for (let round = 1; round <= 2; round++) {
      const answered = page.waitForResponse((r) => r.url().endsWith('/oauth2/token'));
      // 50 minutes on: past 80 % of the hour the access token lives, before its end.
      await page.clock.fastForward('50:00');
      const response = await answered;
      expect(response.status()).toBe(200);
      expect(Object.fromEntries(new URLSearchParams(response.request().postData() ?? ''))).toEqual({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: 'pos-app',
      });
      const rotated = (await response.json()) as { access_token: string; refresh_token: string };
      expect(rotated.refresh_token).not.toBe(refreshToken);
      refreshToken = rotated.refresh_token;
      accessToken = rotated.access_token;
    }
    // One refresh per round: the poll that fell due at the same moment waited for it rather than sending another.
    expect(refreshes).toHaveLength(2);
    // The page reads with the newest access token and is still signed in.
    const read = page.waitForRequest((r) => r.url().endsWith('/graphql'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    expect((await read).headers().authorization).toBe(`Bearer ${accessToken}`);
    await page.getByRole('table', { name: 'Open checks' }).waitFor();

    // Sign out revokes with the newest refresh token.
    const revoked = page.waitForRequest((r) => r.url().endsWith('/oauth2/revoke'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URLSearchParams((await revoked).postData() ?? '').get('token')).toBe(refreshToken);
    await page.getByRole('heading', { level: 1, name: 'You are signed out' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'launch-signed-out-1280');
    await afterCacheExpiry();
    expect((await stack.graphql('{ location(id: 2) { name } }', {}, accessToken)).status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });
});
