import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { sameHostWebSocketSources } from '../dashboard';

/**
 * The pages built from apps/web (Vite): their HTML is served at each page's own route, everything they load under
 * /web/assets/. Outside production only, for now: the one page is the GraphiQL IDE, and production shows no page
 * about the schema (introspection is off there too). `pnpm start` and the tests' global setup build apps/web first
 * (scripts/web-build.ts); a gateway started without the build answers the page with a 503 saying how to build it.
 */
export const WEB_DIST = path.resolve(__dirname, '../../../apps/web/dist');

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

/** What Apollo Server would answer a browser's GET of /graphql with its landing page: HTML preferred over JSON. */
function prefersHtml(req: express.Request): boolean {
  return (
    req.accepts(['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html']) ===
    'text/html'
  );
}

/**
 * `GET /graphql` from a browser (Accept prefers text/html): the GraphiQL page; any other request goes on to the
 * GraphQL server. The HTML is read at each request (it is small, and names the current build's hashed assets) and
 * never cached.
 */
export function graphiqlPage(): express.RequestHandler {
  return (req, res, next) => {
    if (!prefersHtml(req)) return next();
    res.set({
      ...COMMON_HEADERS,
      'Content-Security-Policy': graphiqlCsp(req.headers.host),
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
      'Cache-Control': 'no-store',
      Vary: 'Accept',
    });
    let html: Buffer;
    try {
      html = fs.readFileSync(path.join(WEB_DIST, 'index.html'));
    } catch {
      res
        .status(503)
        .type('text/plain')
        .send('The GraphiQL page is not built: `pnpm start` builds it, or run `pnpm --filter @pos/web build`.\n');
      return;
    }
    res.type('text/html; charset=utf-8').send(html);
  };
}

/**
 * /web/assets/*: content-hashed file names, so cached for a year and never revalidated (`immutable`); a new build
 * has new names. A missing file falls through to the gateway's JSON 404.
 */
export function webAssets(): express.RequestHandler {
  return express.static(path.join(WEB_DIST, 'assets'), {
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    immutable: true,
    maxAge: '365d',
    setHeaders: (res) => res.set(COMMON_HEADERS),
  });
}
