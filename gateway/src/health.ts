import type { ServiceMetrics } from '@pos/kit';
import { Router } from 'express';
import type { RateLimitStore } from './hardening/store';
import type { FederatedSubscriptions } from './subscriptions/federated-subscriptions';

/**
 * What operators and orchestrators read, none of it rate-limited or authenticated: /healthz (the process answers),
 * /readyz (every subgraph answers a `{ __typename }` within 2 s: 503 otherwise, naming each one's state) and
 * /metrics (Prometheus).
 *
 * With RATE_LIMIT_STORE=redis, /readyz also asks Redis (a PING within the limits' command timeout) and names its
 * state as `rateLimitStore`: `{ store: 'redis', state: 'up' | 'down', failure: 'open' | 'closed' }`. Down while
 * failing closed is not ready (503): every limited request would be refused, as without a subgraph, so the gateway
 * serves nothing. Down while failing open is ready: each replica limits on its own and serves. With the memory store
 * (the default) there is nothing to ask and the answer is as it always was.
 */
export function healthRouter(options: {
  urls: Record<string, string>;
  metrics: ServiceMetrics;
  rateLimitStore?: RateLimitStore;
}): Router {
  const { urls, metrics, rateLimitStore } = options;
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  router.get('/readyz', async (_req, res) => {
    const shared = rateLimitStore && rateLimitStore.kind !== 'memory' ? rateLimitStore.check() : undefined;
    const checks = await Promise.all(
      Object.entries(urls).map(async ([name, url]) => {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ __typename }' }),
            signal: AbortSignal.timeout(2000),
          });
          return [name, response.ok ? 'ok' : `status ${response.status}`] as const;
        } catch {
          return [name, 'unreachable'] as const;
        }
      }),
    );
    const store = await shared;
    const ready = checks.every(([, state]) => state === 'ok') && (!store || rateLimitStore!.ready(store));
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      subgraphs: Object.fromEntries(checks),
      ...(store ? { rateLimitStore: store } : {}),
    });
  });
  router.get('/metrics', (req, res) => metrics.handle(req, res));
  return router;
}

/** Upstream streams held (identical subscriptions share one), read at scrape time. */
export function registerUpstreamGauge(metrics: ServiceMetrics, subscriptions: FederatedSubscriptions): void {
  metrics.scraped({
    name: 'gateway_upstream_subscriptions',
    help: 'Upstream subscription streams the gateway holds (identical client subscriptions share one)',
    read: () => subscriptions.upstreamCount,
  });
}

/**
 * The rate limit store, read at scrape time: `gateway_rate_limit_store_up` (1 while it answers; the memory store
 * always does) and `gateway_rate_limit_store_down_decisions_total`, the limits decided while it was down, by limiter
 * and failure mode (`open`: decided by this replica alone; `closed`: refused, 503).
 */
export function registerRateLimitStoreMetrics(metrics: ServiceMetrics, store: RateLimitStore): void {
  metrics.scraped({
    name: 'gateway_rate_limit_store_up',
    help: 'Whether the store of the rate limits answers (1) or not (0), by store (memory, redis)',
    read: () => [{ value: store.up ? 1 : 0, labels: { store: store.kind } }],
  });
  metrics.scraped({
    name: 'gateway_rate_limit_store_down_decisions_total',
    help: 'Rate limit decisions taken while the shared store was down, by limiter and failure mode (open, closed)',
    type: 'counter',
    read: () =>
      [...store.downDecisions.values()].map(({ limiter, failure, count }) => ({
        value: count,
        labels: { limiter, failure },
      })),
  });
}
