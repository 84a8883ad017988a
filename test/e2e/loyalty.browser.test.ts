import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cspDirectives, pageCsp, launchBrowser, saveScreenshot, seriousViolations } from '../support/browser';
import { type Stack, startStack } from '../support/stack';

const WIDE = { viewport: { width: 1280, height: 900 } };
const NARROW = { viewport: { width: 390, height: 844 }, isMobile: true };

/** The balanced demo org: redeeming needs the customer's PIN, earning does not. */
const ORG_KEY = 'demo-loyalty-balanced';
const CUSTOMER = '582193';
const LOCKED_CUSTOMER = '582195';
const customerKey = (code: string) => `demo-customer-${code}`;

/** npm `qrcode`, as the page bundles it (a dependency of apps/web, resolved from there). */
const QRCode = createRequire(path.resolve(__dirname, '../../apps/web/package.json'))('qrcode') as {
  create(text: string, options: { errorCorrectionLevel: string }): { modules: { size: number; data: Uint8Array } };
};

/** The dark modules of a QR code as "row,col", from the page's SVG path (runs `M<x> <y>h<n>…`, 4 modules' margin). */
function darkModules(d: string): Set<string> {
  const dark = new Set<string>();
  for (const [, x, y, n] of d.matchAll(/M(\d+) (\d+)h(\d+)/g)) {
    for (let i = 0; i < Number(n); i++) dark.add(`${Number(y) - 4},${Number(x) - 4 + i}`);
  }
  return dark;
}

/**
 * The loyalty customer's page (GET /loyalty/) in a real browser on the whole system: the customer signs in with
 * their key and sees their points, their stamp card and their coupon with its QR code; a POS's redeem without the
 * PIN (412) puts the PIN on the page, live, within 2 s, labelled "Verification PIN" with its countdown; the POS's
 * retry with the PIN the test read off the page goes through (200), and the PIN leaves the page. A wrong key gets a
 * sentence, never the gateway's JSON; the key is never in storage, a cookie or a URL, and a reload asks for it
 * again; a locked customer is told until when. Every state passes axe-core (no serious or critical violation) at
 * 390 and 1280 px, with screenshots in test-artifacts/.
 */
describe('loyalty customer page (browser)', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    // A coupon for the customer (five stamps fill a card and issue it), then two stamps on the next card.
    expect((await pos('/webhook/pos', { customer_code: Number(CUSTOMER), amount: 5, card_type: 'stamp' })).status).toBe(
      200,
    );
    expect((await pos('/webhook/pos', { customer_code: Number(CUSTOMER), amount: 2, card_type: 'stamp' })).status).toBe(
      200,
    );
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** A call of the loyalty POS API with the org's key. */
  async function pos(path: string, body: Record<string, unknown>) {
    const response = await fetch(`${stack.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ORG_KEY },
      body: JSON.stringify({ external_id: `page-${randomUUID()}`, ...body }),
    });
    return { status: response.status, body: (await response.json()) as any };
  }
  const redeem = (code: string, pin?: string) =>
    pos('/webhook/redeem', {
      customer_code: Number(code),
      value: 1,
      card_type: 'point',
      ...(pin ? { verification_pin: pin } : {}),
    });

  /** The customer's dashboard as the API answers it (their own key). */
  async function dashboard(code: string) {
    const { body } = await stack.graphql(
      `{ loyaltyDashboard { pendingPins { challengeId pin } pinLockedUntil customer { points stamps coupons { nodes { id name qrToken } } } } }`,
      {},
      null,
      { 'x-api-key': customerKey(code) },
    );
    return body.data!.loyaltyDashboard;
  }

  const pageUrl = () => `http://localhost:${stack.gateway.port}/loyalty/`;

  /** A page recording every URL it requests or navigates to, and any script error or CSP refusal. */
  async function openPage(context: BrowserContext) {
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    page.on('framenavigated', (frame) => urls.push(frame.url()));
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to|TrustedHTML|Trusted Type/i.test(message.text())) {
        problems.push(message.text());
      }
    });
    await page.goto(pageUrl());
    await page.getByLabel('Customer key').waitFor();
    return { page, urls, problems };
  }

  async function signIn(page: Page, key: string) {
    await page.getByLabel('Customer key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** No key in the address, the storage or a cookie, in no URL the page requested; nothing wider than the screen. */
  async function expectNothingKept(page: Page, urls: string[], width: number) {
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
    expect(kept).toEqual({ href: pageUrl(), local: [], session: [], cookie: '', scrollWidth: expect.any(Number) });
    expect(kept.scrollWidth).toBeLessThanOrEqual(width);
    expect(urls.filter((url) => url.includes('demo-customer'))).toEqual([]);
    expect((await page.context().cookies()).map((c) => c.name)).toEqual([]);
  }

  /** The PIN shown as "Verification PIN" once it is there (within `ms`), and how long it took to appear. */
  async function shownPin(page: Page, ms: number) {
    const started = Date.now();
    const pin = page.getByLabel('Verification PIN');
    await pin.waitFor({ timeout: ms });
    return { pin: (await pin.textContent())!, ms: Date.now() - started };
  }

  it('serves the page under the pages’ strict CSP, with no inline script and no caching, at /loyalty and /loyalty/', async () => {
    for (const path of ['/loyalty', '/loyalty/']) {
      const page = await fetch(`${stack.origin}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(cspDirectives(page.headers.get('content-security-policy')!)).toEqual(pageCsp(stack.gateway.port));
      const html = await page.text();
      expect(html.match(/<script\b[^>]*>/g)).toEqual([
        expect.stringMatching(/^<script type="module" crossorigin src="\/web\/assets\/loyalty-[\w-]+\.js">$/),
      ]);
      expect(html).not.toMatch(/\son[a-z]+=|style=|https?:\/\//i);
    }
  });

  it('signs in, shows balances, stamp card and coupon QR, and the PIN live while the POS waits for it (1280 px)', async () => {
    const context = await browser.newContext({ ...WIDE, locale: 'en-US' });
    const { page, urls, problems } = await openPage(context);
    expect(await page.title()).toBe('Your loyalty card');
    await page.getByText('Your key stays in this browser tab only').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'loyalty-sign-in-1280');

    // An address past its wrong keys is told when to try again (the gateway's 429, as the key limit answers it).
    await page.route('**/graphql', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '600', 'x-request-id': 'ref-429' },
        body: JSON.stringify({
          errors: [
            {
              message: 'Too many wrong API keys from this address: retry after 600 s',
              extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 600 },
            },
          ],
        }),
      }),
    );
    const startedAt = Date.now();
    await signIn(page, 'demo-customer-000001');
    await page.getByRole('alert').waitFor();
    const at = (ms: number) =>
      new Date(startedAt + ms).toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit' });
    expect(
      [0, 60_000].map(
        (late) =>
          `Too many keys were tried from this network. Try again in 10 minutes (at ${at(600_000 + late)}). (reference ref-429)`,
      ),
    ).toContain(await page.getByRole('alert').textContent());
    await page.unroute('**/graphql');

    // A wrong key: a sentence with the reference to quote, nothing of the gateway's answer.
    await signIn(page, 'demo-customer-000000');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /^That key was not accepted\. Check your customer key and try again\. \(reference [\w.:-]+\)$/,
    );
    // An org's key is a key, but not a customer's: the same sentence, nothing about what it is.
    await signIn(page, ORG_KEY);
    await page.getByRole('alert').filter({ hasText: 'That key was not accepted.' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'loyalty-wrong-key-1280');

    await signIn(page, customerKey(CUSTOMER));
    await page.getByRole('heading', { level: 1, name: 'Demo balanced rewards' }).waitFor();
    await page.getByText('Live: a PIN appears here as soon as the cashier asks for it.').waitFor();
    const before = await dashboard(CUSTOMER);
    expect(before.customer.stamps).toBe(2);
    expect(await page.locator('.points strong').textContent()).toBe(before.customer.points.toLocaleString('en-US'));
    // The stamp card: 5 cells, the first 2 stamped.
    const card = page.getByRole('figure', { name: 'Stamp card: 2 of 5 stamps' });
    await card.waitFor();
    expect(await card.locator('li').count()).toBe(5);
    expect(await card.locator('li.filled').count()).toBe(2);
    expect(await card.locator('figcaption').textContent()).toBe('3 more stamps for a Free Coffee.');
    // The coupon with its QR code, drawn in the page as an SVG image (no data: URL, no request).
    const [coupon] = before.customer.coupons.nodes;
    expect(coupon.name).toBe('Free Coffee');
    const qr = page.getByRole('img', { name: 'QR code of your coupon Free Coffee' });
    await qr.waitFor();
    const drawn = await qr.evaluate((svg: any) => ({
      tag: svg.tagName as string,
      viewBox: svg.getAttribute('viewBox') as string,
      d: svg.querySelector('path').getAttribute('d') as string,
    }));
    expect(drawn.tag).toBe('svg');
    // It encodes the coupon's token: exactly the dark modules of its QR code, inside a 4-module quiet zone.
    const { modules } = QRCode.create(coupon.qrToken, { errorCorrectionLevel: 'M' });
    expect(drawn.viewBox).toBe(`0 0 ${modules.size + 8} ${modules.size + 8}`);
    const expected = new Set<string>();
    modules.data.forEach((bit, i) => bit && expected.add(`${Math.floor(i / modules.size)},${i % modules.size}`));
    expect(darkModules(drawn.d)).toEqual(expected);
    expect(urls.filter((url) => url.startsWith('data:') || url.startsWith('blob:'))).toEqual([]);
    await page.getByText('No cashier is waiting for a PIN.').waitFor();
    expect(await page.getByLabel('Verification PIN').count()).toBe(0);
    await expectNothingKept(page, urls, 1280);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'loyalty-1280');

    // The POS redeems without the PIN: 412, and the PIN is on the page within 2 s, as the dashboard has it.
    const asked = await redeem(CUSTOMER);
    expect(asked.status).toBe(412);
    const { pin, ms } = await shownPin(page, 2_000);
    expect(ms).toBeLessThan(2_000);
    expect(pin).toMatch(/^\d{4}$/);
    expect((await dashboard(CUSTOMER)).pendingPins).toEqual([{ challengeId: asked.body.challenge_id, pin }]);
    await page.getByText('Tell this PIN to the cashier to spend points or stamps at Demo balanced rewards.').waitFor();
    expect(await page.getByRole('timer').textContent()).toMatch(/^1:(30|[0-2]\d)$/);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'loyalty-pin-1280');

    // The POS retries with the PIN read off the page: 200, and the PIN leaves the page; the points follow.
    const answered = await redeem(CUSTOMER, pin);
    expect(answered.status).toBe(200);
    await page.getByLabel('Verification PIN').waitFor({ state: 'detached', timeout: 2_000 });
    await page
      .locator('.points strong')
      .filter({ hasText: new RegExp(`^${(before.customer.points - 1).toLocaleString('en-US')}$`) })
      .waitFor();
    await page.getByText('No cashier is waiting for a PIN.').waitFor();

    // A reload forgets the key: the page asks for it again.
    await page.reload();
    await page.getByLabel('Customer key').waitFor();
    expect(await page.getByLabel('Customer key').inputValue()).toBe('');
    await expectNothingKept(page, urls, 1280);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('works by keyboard at 390 px: signs in with Enter, shows the PIN live, signs out', async () => {
    const context = await browser.newContext({ ...NARROW, locale: 'en-US' });
    const { page, urls, problems } = await openPage(context);
    await expectNothingKept(page, urls, 390);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'loyalty-sign-in-390');

    // The field has the focus on arrival: type the key, Enter signs in.
    await expect(page.evaluate(() => (globalThis as any).document.activeElement.id)).resolves.toBe('customer-key');
    await page.keyboard.type(customerKey(CUSTOMER));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Demo balanced rewards' }).waitFor();
    // Focus on the heading (announced as the new page); the banner's Sign out is one Shift+Tab away.
    await expect(page.evaluate(() => (globalThis as any).document.activeElement.id)).resolves.toBe('page-heading');
    await page.getByText('Live: a PIN appears here as soon as the cashier asks for it.').waitFor();
    await page.getByRole('img', { name: 'QR code of your coupon Free Coffee' }).waitFor();
    await expectNothingKept(page, urls, 390);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'loyalty-390');

    const asked = await redeem(CUSTOMER);
    expect(asked.status).toBe(412);
    const { pin, ms } = await shownPin(page, 2_000);
    expect(ms).toBeLessThan(2_000);
    await expectNothingKept(page, urls, 390);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'loyalty-pin-390');
    expect((await redeem(CUSTOMER, pin)).status).toBe(200);
    await page.getByLabel('Verification PIN').waitFor({ state: 'detached', timeout: 2_000 });

    await page.keyboard.press('Shift+Tab');
    await expect(page.evaluate(() => (globalThis as any).document.activeElement.textContent)).resolves.toBe('Sign out');
    await page.keyboard.press('Enter');
    await page.getByText('You are signed out.').waitFor();
    await expect(page.evaluate(() => (globalThis as any).document.activeElement.id)).resolves.toBe('customer-key');
    await expectNothingKept(page, urls, 390);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('tells a customer whose PIN verification is locked until when (390 px)', async () => {
    // Three challenges' worth of wrong PINs (3 each) lock the customer's PINs.
    for (let challenge = 0; challenge < 3; challenge++) {
      expect((await redeem(LOCKED_CUSTOMER)).status).toBe(412);
      const [open] = (await dashboard(LOCKED_CUSTOMER)).pendingPins;
      const wrong = String((Number(open.pin) + 1) % 10_000).padStart(4, '0');
      for (let attempt = 0; attempt < 3; attempt++) await redeem(LOCKED_CUSTOMER, wrong);
    }
    const { pinLockedUntil } = await dashboard(LOCKED_CUSTOMER);
    expect(pinLockedUntil).not.toBeNull();

    const context = await browser.newContext({ ...NARROW, locale: 'en-US', timezoneId: 'UTC' });
    const { page, urls, problems } = await openPage(context);
    await signIn(page, customerKey(LOCKED_CUSTOMER));
    await page.getByRole('heading', { level: 1, name: 'Demo balanced rewards' }).waitFor();
    const until = new Date(pinLockedUntil).toLocaleString('en-US', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'UTC',
    });
    await page
      .getByText(
        `Too many incorrect PINs were entered, so PIN verification is locked until ${until}. No PIN is shown until then.`,
      )
      .waitFor();
    expect(await page.getByLabel('Verification PIN').count()).toBe(0);
    await page.getByText('No coupons yet. A full stamp card gives you a Free Coffee.').waitFor();
    await expectNothingKept(page, urls, 390);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'loyalty-locked-390');
    expect(problems).toEqual([]);
    await context.close();
  });
});
