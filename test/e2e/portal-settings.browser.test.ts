import type { Browser, BrowserContext, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { DEMO } from '@pos/kit';
import { launchBrowser, saveScreenshot, seriousViolations } from '../support/browser';
import { type Stack, startStack } from '../support/stack';

const STANDARD = DEMO.loyaltyOrgs.find((org) => org.apiKey === 'demo-loyalty-standard')!;

/**
 * The portal's settings pages in a real browser on the whole system: Integrations → API clients (a client created
 * with chosen scopes, its secret shown once and working at the token endpoint, rotated with an overlap), Loyalty →
 * Programs (the earn ratio set to 2.0 doubles the next earn's points, the change listed; a POS key issued once), and
 * who may see which: a developer no loyalty settings, another partner none of demo's. Every page passes axe-core at
 * 1280 and 390 px.
 */
describe('partner portal settings (browser)', () => {
  let stack: Stack;
  let browser: Browser;
  let portal: string;
  beforeAll(async () => {
    stack = await startStack();
    portal = `http://localhost:${new URL(stack.origin).port}/portal/`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** A signed-in page at `width`, on the portal's first page. */
  async function signedIn(
    email: string,
    password: string,
    width = 1280,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width, height: 900 },
      ...(width < 500 ? { isMobile: true } : {}),
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(portal).origin });
    const page = await context.newPage();
    await page.goto(portal);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Portal' }).waitFor();
    return { context, page };
  }

  const fitsWidth = async (page: Page, width: number) =>
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      width,
    );

  const earn = async (amount: number, key: string = STANDARD.apiKey) => {
    const res = await fetch(`${stack.origin}/webhook/pos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ customer_code: `${STANDARD.prefix}95`, amount, external_id: randomUUID() }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('creates an API client with chosen scopes, shows its secret once, and rotates it with an overlap', async () => {
    const { context, page } = await signedIn('admin@demo.example', 'demo-admin-password');
    try {
      await page.getByRole('link', { name: 'API clients' }).click();
      await page.getByRole('heading', { name: 'API clients' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/portal/api-clients');
      await page.getByRole('button', { name: 'Create client' }).click();
      await page.getByLabel('Client name').fill('Reporting');
      await page.getByRole('checkbox', { name: /Read locations, orders and payments/ }).check();
      await page.getByRole('button', { name: 'Create client' }).click();
      const secret = (await page.getByLabel('Client secret').textContent())!;
      expect(secret).toMatch(/^cs_/);
      await page.getByRole('button', { name: 'Copy' }).click();
      await expect(page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).resolves.toBe(secret);
      const card = page.getByRole('listitem', { name: 'Reporting' });
      const clientId = (await card.locator('code').first().textContent())!;
      const token = async (clientSecret: string) =>
        (
          await fetch(`${stack.origin}/oauth2/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: clientId,
              client_secret: clientSecret,
            }),
          })
        ).status;
      expect(await token(secret)).toBe(200);
      expect(await seriousViolations(page)).toEqual([]);
      await saveScreenshot(page, 'portal-api-clients-1280');

      // Done: the secret is gone from the page for good.
      await page.getByRole('button', { name: 'Done' }).click();
      await expect(page.getByLabel('Client secret').count()).resolves.toBe(0);
      await page.reload();
      await page.getByRole('heading', { name: 'API clients' }).waitFor();
      await expect(page.getByText(secret).count()).resolves.toBe(0);

      // Rotated with a 1-hour overlap: both secrets work.
      await page.getByRole('listitem', { name: 'Reporting' }).getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByLabel('Keep the old secret working for').selectOption('3600');
      await page.getByRole('button', { name: 'Rotate', exact: true }).click();
      const rotated = (await page.getByLabel('Client secret').textContent())!;
      expect(rotated).not.toBe(secret);
      await expect(page.getByText(/The previous secret keeps working until/).count()).resolves.toBe(1);
      expect([await token(secret), await token(rotated)]).toEqual([200, 200]);

      // Disabled: no more tokens.
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('listitem', { name: 'Reporting' }).getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('listitem', { name: 'Reporting' }).getByText('disabled').waitFor();
      expect(await token(rotated)).toBe(401);
    } finally {
      await context.close();
    }
  });

  it('sets the standard program’s earn ratio to 2.0: the next earn gives twice the points, and the change is listed', async () => {
    const { context, page } = await signedIn('admin@demo.example', 'demo-admin-password');
    try {
      const before = await earn(10);
      expect(before.status).toBe(200);
      await page.getByRole('link', { name: 'Programs' }).click();
      await page.getByRole('heading', { name: 'Programs', level: 1 }).waitFor();
      const program = page
        .getByRole('form', { name: /^Settings of / })
        .filter({ has: page.locator(`#earn-ratio-${STANDARD.id}`) });
      await program.getByLabel('Earn ratio').fill('2.0');
      await program.getByRole('button', { name: 'Save' }).click();
      await program.getByRole('status').getByText(/Saved/).waitFor();
      const after = await earn(10);
      expect(after.body.data.points - before.body.data.points).toBe(20);
      const changes = page.locator(`article:has(#earn-ratio-${STANDARD.id}) .changes`).first();
      await changes.getByText(/by you: earn ratio 1 → 2/).waitFor();

      // A value out of bounds is refused with a sentence, and nothing changes.
      await program.getByLabel('Maximum stamps per earn').fill('40');
      await program.getByLabel('Stamps per card').fill('10');
      await program.getByRole('button', { name: 'Save' }).click();
      await program
        .getByRole('alert')
        .getByText('The maximum stamps per earn must be from 1 to the stamps per card (10).')
        .waitFor();

      // A POS key: issued once, it works at the loyalty API.
      const article = page.locator(`article:has(#earn-ratio-${STANDARD.id})`);
      await article.getByLabel('Label', { exact: true }).fill('Front till');
      await article.getByRole('button', { name: 'Issue key' }).click();
      const key = (await article.getByLabel('POS key', { exact: true }).textContent())!;
      expect((await earn(1, key)).status).toBe(200);
      await article.getByRole('button', { name: 'Revoke Front till' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await saveScreenshot(page, 'portal-programs-1280');
      await program.getByLabel('Earn ratio').fill('1');
      await program.getByLabel('Maximum stamps per earn').fill('5');
      await program.getByLabel('Stamps per card').fill('5');
      await program.getByRole('button', { name: 'Save' }).click();
      await program.getByRole('status').getByText(/Saved/).waitFor();
    } finally {
      await context.close();
    }
  });

  it('works at 390 px wide: API clients and programs, by keyboard, with no serious violation', async () => {
    const { context, page } = await signedIn('admin@demo.example', 'demo-admin-password', 390);
    try {
      for (const [path, heading] of [
        ['/portal/api-clients', 'API clients'],
        ['/portal/programs', 'Programs'],
      ] as const) {
        await page.goto(new URL(path, portal).toString());
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.getByRole('button', { name: /Sign out/ }).waitFor();
        await fitsWidth(page, 390);
        expect(await seriousViolations(page)).toEqual([]);
        await saveScreenshot(page, `portal-${path.split('/')[2]}-390`);
      }
      // By keyboard: from the navigation to Programs' first field.
      await page.goto(portal);
      await page.getByRole('link', { name: 'Programs' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Programs', level: 1 }).waitFor();
      // Focus moved to the new page's heading; the next Tab reaches its first control.
      await expect(page.evaluate(() => (globalThis as any).document.activeElement?.tagName)).resolves.toBe('H1');
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => (globalThis as any).document.activeElement?.tagName)).resolves.toMatch(
        /^(INPUT|A|BUTTON|SELECT)$/,
      );
    } finally {
      await context.close();
    }
  });

  it('offers a developer no loyalty settings, and another partner none of demo’s clients or programs', async () => {
    const dev = await signedIn('dev@demo.example', 'demo-dev-password');
    try {
      await expect(dev.page.getByRole('link', { name: 'Programs' }).count()).resolves.toBe(0);
      await expect(dev.page.getByRole('link', { name: 'API clients' }).count()).resolves.toBe(1);
      // Opening the address anyway lands on their own first page.
      await dev.page.goto(new URL('/portal/programs', portal).toString());
      await dev.page.getByRole('heading', { name: 'Webhooks' }).waitFor();
      await expect(dev.page.getByRole('heading', { name: 'Programs' }).count()).resolves.toBe(0);
    } finally {
      await dev.context.close();
    }
    const other = await signedIn('admin@other.example', 'other-admin-password');
    try {
      await other.page.goto(new URL('/portal/api-clients', portal).toString());
      await other.page.getByRole('list', { name: 'Clients' }).waitFor();
      await expect(other.page.getByText('demo-partner', { exact: true }).count()).resolves.toBe(0);
      await expect(other.page.getByText('Reporting').count()).resolves.toBe(0);
      await other.page.goto(new URL('/portal/programs', portal).toString());
      await other.page.getByText('No loyalty programs.').waitFor();
    } finally {
      await other.context.close();
    }
  });

  it('opens Payments → Live signed in by the portal session: no token to paste, live payments of the partner', async () => {
    const { context, page } = await signedIn('dev@demo.example', 'demo-dev-password');
    try {
      await page.getByRole('link', { name: 'Live' }).click();
      await page.locator('#status[data-state="live"]').waitFor({ timeout: 15_000 });
      expect(new URL(page.url()).pathname).toBe('/dashboard');
      expect(new URL(page.url()).search).toBe('?via=portal');
      await expect(page.locator('#sign-in').isHidden()).resolves.toBe(true);
      // A payment over REST shows in the feed.
      const token = await stack.token();
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${stack.origin}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify(body),
        });
        return (await res.json()) as { id: string };
      };
      const order = await post('/pos/v1/orders', { location_id: 1, currency: 'USD', total_cents: 1200 });
      const payment = await post(`/pos/v1/orders/${order.id}/payments`, {
        amount_cents: 1200,
        currency: 'USD',
        card_token: 'tok_visa',
      });
      await page.locator('#feed tbody tr', { hasText: payment.id }).waitFor({ timeout: 10_000 });
      await expect(page.textContent('#partner')).resolves.toBe('demo');
      expect(await page.evaluate(() => JSON.stringify((globalThis as any).sessionStorage))).not.toMatch(/eyJ/);
      expect(await seriousViolations(page)).toEqual([]);
      await saveScreenshot(page, 'portal-live-1280');
      await page.getByRole('link', { name: 'Back to portal' }).click();
      await page.getByRole('navigation', { name: 'Portal' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
