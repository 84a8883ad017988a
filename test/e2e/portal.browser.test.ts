import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../support/browser';
import { type Stack, startStack } from '../support/stack';

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
    stack = await startStack();
    // The gateway's public URL in the tests (no PUBLIC_URL): the sign-in's only redirect URI is on it.
    portal = `http://localhost:${new URL(stack.origin).port}/portal/`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Serious or critical accessibility violations on the page as it is now (axe-core). */
  async function seriousViolations(page: Page) {
    const { violations } = await new AxeBuilder({ page }).analyze();
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  }

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
    await page.getByLabel('payment.approved').check();
    await page.getByLabel('payment.refunded').check();
    await page.getByLabel('Description').fill('Accounting');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.getByLabel('Signing secret');
    await secret.waitFor();
    await expect(secret.textContent()).resolves.toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = page.getByRole('list', { name: 'Endpoints' });
    await listed.getByText('https://hooks.example/from-portal').waitFor();
    await expect(listed.getByText('payment.approved, payment.refunded').count()).resolves.toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, 'portal-webhooks-secret-1280');

    // Shown once: after a reload the endpoint is listed and the secret is nowhere.
    await page.reload();
    await page.getByRole('list', { name: 'Endpoints' }).getByText('https://hooks.example/from-portal').waitFor();
    await expect(page.getByLabel('Signing secret').count()).resolves.toBe(0);

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
});
