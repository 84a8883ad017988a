import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

/**
 * The pages built from apps/web (Vite): their HTML is served at each page's own route, everything they load under
 * /web/assets/. The live payments dashboard (GET /dashboard), the partner portal (GET /portal/), the POS staff's
 * landing page of a launch link (GET /pos/launch) and the loyalty customer's page (GET /loyalty/) in every
 * environment; the GraphiQL IDE (GET /graphql from a
 * browser) outside production only, since production shows no page about the schema (introspection is off there
 * too). `pnpm start` and the tests' global setup build apps/web first (scripts/web-build.ts); a gateway started
 * without the build answers a page with a 503 saying how to build it.
 *
 * The gateway holds no page state: a page's data comes over /graphql with the viewer's own token, so any replica
 * can serve a page and the page may reconnect to any replica.
 */
export const WEB_DIST = path.resolve(__dirname, '../../../apps/web/dist');

/** A Host header safe to echo into a CSP source (hostname or IPv4/IPv6 literal, optional port). */
const SAFE_HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** ` ws://host wss://host` for a CSP's connect-src, when the Host header is a plain host; else nothing. */
export function sameHostWebSocketSources(host: string | undefined): string {
  return host && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
}

/**
 * The dashboard's Content-Security-Policy: nothing but its own files. Scripts only from this origin (no inline
 * script, no eval), styles only from this origin (no inline style), no fonts, frames, plugins or form posts, and
 * connections only to this origin, which in CSP Level 3 includes ws:/wss: to the same host. The explicit ws(s)
 * source is for browsers that predate that rule; it is taken from the Host header only when it is a plain host.
 * `require-trusted-types-for 'script'` makes the browser refuse any string written to an HTML sink (innerHTML and
 * the like), so event data can only ever reach the page as text. `frame-ancestors 'none'`: no clickjacking.
 */
export function dashboardCsp(host: string | undefined): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self'${sameHostWebSocketSources(host)}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/**
 * The IDE's Content-Security-Policy. Like the dashboard's, scripts come only from this origin (no inline script, no
 * eval) and connections only to it (HTTP and graphql-ws on /graphql). Two exceptions, on this page only:
 * - `style-src 'unsafe-inline'`: Monaco, GraphiQL's editor, sets styles from script (style attributes and <style>
 *   elements it creates for themes, decorations and layout); without it the editors render unstyled and unusable.
 *   Inline style cannot run script, and every script on the page is still this origin's.
 * - `font-src`/`img-src data:`: GraphiQL's own style sheet embeds its fonts and icons as data: URLs.
 * Monaco's workers are bundled module workers loaded from /web/assets/ (`worker-src 'self'`, no blob: URL).
 */
export function graphiqlCsp(host: string | undefined): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "worker-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    `connect-src 'self'${sameHostWebSocketSources(host)}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * On the assets themselves: a policy matters only where an asset becomes a document or a worker (the icon opened
 * on its own, Monaco's module workers, which import their chunks from this origin): nothing else may load.
 */
const ASSET_CSP = "default-src 'none'; script-src 'self'; frame-ancestors 'none'";

/**
 * A built page's HTML with its policy and the pages' common security headers. The HTML is read at each request (it
 * is small, and names the current build's hashed assets) and never cached (`no-store`).
 */
function sendPage(req: express.Request, res: express.Response, file: string, csp: string, title: string): void {
  res.set({
    ...COMMON_HEADERS,
    'Content-Security-Policy': csp,
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    'Cache-Control': 'no-store',
  });
  let html: Buffer;
  try {
    html = fs.readFileSync(path.join(WEB_DIST, file));
  } catch {
    res
      .status(503)
      .type('text/plain')
      .send(`The ${title} page is not built: \`pnpm start\` builds it, or run \`pnpm --filter @pos/web build\`.\n`);
    return;
  }
  res.type('text/html; charset=utf-8').send(html);
}

/**
 * `GET /dashboard`: the live payments dashboard (apps/web/src/dashboard). It signs in with a pasted token kept in
 * the tab's sessionStorage, never in the URL or a cookie, so the HTML carries nothing of the viewer's.
 */
export function dashboardPage(): express.RequestHandler {
  return (req, res) => sendPage(req, res, 'dashboard.html', dashboardCsp(req.headers.host), 'dashboard');
}

/**
 * `GET /portal/`: the partner portal (apps/web/src/portal), under the dashboard's policy (its own scripts and styles
 * only, no inline script, Trusted Types). A browser without a live portal session is sent to sign in first, so the
 * page never loads for nobody; the session cookie it then carries is the page's only credential.
 */
/** The portal's pages (apps/web/src/portal/main.tsx), each served the same document at /portal/<page>. */
export const PORTAL_PATHS = [
  '/portal',
  '/portal/',
  ...['webhooks', 'api-clients', 'programs', 'dead-letters'].map((page) => `/portal/${page}`),
];

export function portalPage(signedIn: (req: express.Request) => Promise<boolean>): express.RequestHandler {
  return async (req, res) => {
    if (!(await signedIn(req))) {
      res.set('Cache-Control', 'no-store');
      return res.redirect(303, '/portal/login');
    }
    sendPage(req, res, 'portal.html', dashboardCsp(req.headers.host), 'portal');
  };
}

/**
 * `GET /pos/launch`: the POS staff's landing page of a launch link (apps/web/src/launch), under the dashboard's policy
 * (its own scripts and styles only, no inline script, Trusted Types). The launch token rides in the URL's fragment,
 * which never reaches this handler; the page takes it out of the address, exchanges it and keeps the session's
 * tokens in memory only, so the HTML is the same for everyone and carries nothing of the viewer's. No-referrer
 * keeps the page's address out of any request it makes.
 */
export function launchPage(): express.RequestHandler {
  return (req, res) => sendPage(req, res, 'launch.html', dashboardCsp(req.headers.host), 'POS launch');
}

/**
 * `GET /loyalty/`: the loyalty customer's page (apps/web/src/loyalty), under the dashboard's policy (its own scripts
 * and styles only, no inline script, nothing from another origin, no data: images, Trusted Types: its coupons' QR
 * codes are SVG elements drawn in the page). The customer types their key into the page, which keeps it in memory
 * and sends it as X-Api-Key (and in graphql-ws's connection_init), so the HTML is the same for everyone and carries
 * nothing of the viewer's.
 */
export function loyaltyPage(): express.RequestHandler {
  return (req, res) => sendPage(req, res, 'loyalty.html', dashboardCsp(req.headers.host), 'loyalty');
}

/** What Apollo Server would answer a browser's GET of /graphql with its landing page: HTML preferred over JSON. */
function prefersHtml(req: express.Request): boolean {
  return (
    req.accepts(['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html']) ===
    'text/html'
  );
}

/**
 * `GET /graphql` from a browser (Accept prefers text/html): the GraphiQL page; any other request goes on to the
 * GraphQL server.
 */
export function graphiqlPage(): express.RequestHandler {
  return (req, res, next) => {
    if (!prefersHtml(req)) return next();
    res.set('Vary', 'Accept');
    sendPage(req, res, 'index.html', graphiqlCsp(req.headers.host), 'GraphiQL');
  };
}

/**
 * /web/assets/*: content-hashed file names, so cached for a year and never revalidated (`immutable`); a new build
 * has new names. A missing file falls through to the gateway's JSON 404. With `pages`, only the assets those pages
 * load are served (read from the build's Vite manifest): production serves the dashboard's and not the IDE's
 * bundle, as it shows no page about the schema.
 */
export function webAssets(pages?: readonly string[]): express.RequestHandler {
  const files = express.static(path.join(WEB_DIST, 'assets'), {
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    immutable: true,
    maxAge: '365d',
    setHeaders: (res) => res.set({ ...COMMON_HEADERS, 'Content-Security-Policy': ASSET_CSP }),
  });
  if (!pages) return files;
  return (req, res, next) => {
    if (!assetsOf(pages).has(`assets${req.path}`)) return next();
    files(req, res, next);
  };
}

/** A Vite manifest entry: the chunk's file and what it loads. */
interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
  assets?: string[];
}

let manifestCache: { mtimeMs: number; pages: string; files: Set<string> } | undefined;

/**
 * The files (`assets/…`, as the manifest names them) that the given pages load, directly or through imports. Read
 * from dist/.vite/manifest.json and kept until a rebuild changes it; no build, no files.
 */
function assetsOf(pages: readonly string[]): Set<string> {
  const manifestPath = path.join(WEB_DIST, '.vite', 'manifest.json');
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(manifestPath).mtimeMs;
  } catch {
    return new Set();
  }
  const key = pages.join('\0');
  if (manifestCache?.mtimeMs === mtimeMs && manifestCache.pages === key) return manifestCache.files;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, ManifestChunk>;
  const files = new Set<string>();
  const seen = new Set<string>();
  const visit = (id: string): void => {
    const chunk = manifest[id];
    if (!chunk || seen.has(id)) return;
    seen.add(id);
    for (const file of [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]) files.add(file);
    for (const next of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) visit(next);
  };
  for (const page of pages) visit(page);
  manifestCache = { mtimeMs, pages: key, files };
  return files;
}
