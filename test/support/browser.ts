import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Real Chromium for browser tests: Debian's `chromium` package driven by playwright-core. Playwright's own
 * browser download (`npx playwright install`) cannot work here (no downloads outside the package registries),
 * so .ci/run installs Debian's package and we point playwright-core at its binary.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and other files a browser test leaves for a human to look at (git-ignored). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '../../test-artifacts');

/**
 * The machine (and CI) sit on a closed network: Chromium's background services (component updates, sync,
 * safe-browsing lists, QUIC probes, Google host lookups) would fail connection after connection and slow or
 * destabilise every start, so they are all switched off. `--no-sandbox` because tests run as root, where
 * Chromium's sandbox refuses to start; `--disable-gpu` because there is no GPU or display.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Chromium. `chromium.launch()` (unlike `launchPersistentContext`) gives every launch a new,
 * empty temporary user data directory and deletes it on `browser.close()`, so no profile state leaks between
 * launches or tests; each `browser.newContext()` is further isolated (its own cookies and sessionStorage).
 * Fails loudly when Chromium is not installed: a browser test that silently skips would report green while
 * testing nothing.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Browser tests need Debian's chromium package: ` +
        `run \`sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium\` ` +
        `(.ci/run does this in CI), or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** Saves a full-page screenshot as test-artifacts/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^a-zA-Z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A Content-Security-Policy header as { directive: its sources }, to compare a page's policy as a whole. */
export function cspDirectives(csp: string): Record<string, string> {
  return Object.fromEntries(
    csp.split(';').map((directive) => {
      const [name, ...values] = directive.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
}

/**
 * The policy every page of apps/web is served with (as {@link cspDirectives} reads it): nothing but its own
 * scripts, styles and images, the gateway's WebSocket, no inline script (Trusted Types), no framing, no form target.
 */
export const pageCsp = (gatewayPort: number): Record<string, string> => ({
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'connect-src': `'self' ws://127.0.0.1:${gatewayPort} wss://127.0.0.1:${gatewayPort}`,
  'img-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
  'require-trusted-types-for': "'script'",
  'trusted-types': "'none'",
});

/** Serious or critical accessibility violations on the page as it is now (axe-core): every page test wants none. */
export async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}
