import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';

/**
 * The live payments dashboard: a static page (plain HTML, CSS and one ES module, no framework, no build step) that
 * signs in with a pasted access token, subscribes to `paymentEvents` over graphql-ws on /graphql and keeps a live
 * feed and running totals, resuming after its last cursor when its socket drops. Everything it shows arrives over
 * that socket, with the caller's own token: the gateway serves the page's files only and holds no dashboard state,
 * so any replica can serve it and the page may reconnect to any replica.
 *
 * The page speaks the small subset of the graphql-transport-ws protocol it needs itself (app.js) rather than
 * loading graphql-ws's client: graphql-ws 6 does not export its browser build, and the page needs control the
 * client does not give (resubscribe with a new `after` on every reconnect, a rejected token ends the session).
 */

/** The files, read once at start: a missing file fails the gateway's start, not a request. */
const DIR = __dirname;
const read = (name: string) => fs.readFileSync(path.join(DIR, name));

/** A Host header safe to echo into a CSP source (hostname or IPv4/IPv6 literal, optional port). */
const SAFE_HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** ` ws://host wss://host` for a CSP's connect-src, when the Host header is a plain host; else nothing. */
export function sameHostWebSocketSources(host: string | undefined): string {
  return host && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
}

/**
 * The page's Content-Security-Policy: nothing but its own files. Scripts only from this origin (no inline script,
 * no eval), styles only from this origin (no inline style), no images, fonts, frames, plugins or form posts, and
 * connections only to this origin, which in CSP Level 3 includes ws:/wss: to the same host. The explicit ws(s)
 * source is for browsers that predate that rule; it is taken from the Host header only when it is a plain host.
 * `require-trusted-types-for 'script'` makes the browser refuse any string written to an HTML sink (innerHTML and
 * the like), so event data can only ever reach the page as text. `frame-ancestors 'none'`: no clickjacking.
 */
export function dashboardCsp(host: string | undefined): string {
  const wsSources = sameHostWebSocketSources(host);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self'${wsSources}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

function securityHeaders(req: express.Request, res: express.Response): void {
  res.set({
    'Content-Security-Policy': dashboardCsp(req.headers.host),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  });
}

/**
 * Mounts `GET /dashboard` (the page) and its assets (script, style sheet, icon). The HTML is never cached (`no-store`: it is the entry
 * point, and the token lives in the tab's sessionStorage, never in it); the script and style sheet are revalidated
 * on each load (`no-cache` with Express's ETag), so a deploy takes effect at the next load.
 */
export function mountDashboard(app: express.Express): void {
  const files: Record<string, { body: Buffer; type: string; cache: string }> = {
    '/dashboard': { body: read('index.html'), type: 'text/html; charset=utf-8', cache: 'no-store' },
    '/dashboard/app.js': { body: read('app.js'), type: 'text/javascript; charset=utf-8', cache: 'no-cache' },
    '/dashboard/style.css': { body: read('style.css'), type: 'text/css; charset=utf-8', cache: 'no-cache' },
    '/dashboard/icon.svg': { body: read('icon.svg'), type: 'image/svg+xml', cache: 'no-cache' },
  };
  for (const [route, file] of Object.entries(files)) {
    app.get(route, (req, res) => {
      securityHeaders(req, res);
      res.set({ 'Content-Type': file.type, 'Cache-Control': file.cache });
      res.send(file.body);
    });
  }
}
