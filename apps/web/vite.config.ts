import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The gateway serves the built pages: each entry's HTML at its own route (dashboard.html, the live payments
 * dashboard, at GET /dashboard; portal.html, the partner portal, at GET /portal/; launch.html, the POS staff's
 * landing page of a launch link, at GET /pos/launch; loyalty.html, the loyalty customer's page, at GET /loyalty/;
 * index.html, the GraphiQL IDE, at GET /graphql outside production) and everything
 * they load from /web/assets/, under content-hashed names it can cache forever. Nothing comes from another origin:
 * Monaco's workers are bundled as module workers beside the scripts (graphiql/setup-workers/vite). Built by
 * scripts/web-build.ts (`pnpm start`, the tests' global setup).
 */
const gateway = process.env.GATEWAY_URL ?? 'http://localhost:4000';

export default defineConfig({
  base: '/web/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // dist/.vite/manifest.json: which assets each page loads, so a production gateway serves the dashboard's only.
    manifest: true,
    // Our own assets as files, never data: URLs (the page's CSP allows data: only for GraphiQL's fonts and icons).
    assetsInlineLimit: 0,
    // Monaco alone is megabytes; the gateway serves it from this origin with a year's caching.
    chunkSizeWarningLimit: 8_000,
    // The preload polyfill is an inline script, which the pages' CSP refuses; browsers that run these pages
    // preload modules themselves.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: {
        graphiql: fileURLToPath(new URL('index.html', import.meta.url)),
        dashboard: fileURLToPath(new URL('dashboard.html', import.meta.url)),
        portal: fileURLToPath(new URL('portal.html', import.meta.url)),
        launch: fileURLToPath(new URL('launch.html', import.meta.url)),
        loyalty: fileURLToPath(new URL('loyalty.html', import.meta.url)),
      },
      onwarn(warning, warn) {
        // framer-motion's "use client" directives mean nothing outside React Server Components.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  worker: { format: 'es' },
  // `pnpm web:dev`: the pages with hot reload at http://localhost:5173/web/<page>.html, against a gateway that is
  // already running (GATEWAY_URL, default http://localhost:4000). Everything but the pages goes to the gateway. The
  // Origin is rewritten to the gateway's own, because the gateway takes the portal's session cookie only from its own
  // pages: through this proxy, the dev server's pages stand in for them (development only; the build is unchanged).
  // GraphiQL's worker imports (`?worker`) are Vite's to resolve, which the dev server's pre-bundler cannot do.
  optimizeDeps: { exclude: ['graphiql', '@graphiql/react'] },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(
      ['/graphql', '/portal', '/oauth2', '/pos', '/webhook', '/.well-known'].map((prefix) => [
        prefix,
        {
          target: gateway,
          ws: prefix === '/graphql',
          configure: (proxy: {
            on(event: 'proxyReq', listener: (req: { setHeader(name: string, value: string): void }) => void): void;
          }) => proxy.on('proxyReq', (req) => req.setHeader('origin', gateway)),
        },
      ]),
    ),
  },
});
