import type { ServiceMetrics } from '@pos/kit';
import { Router } from 'express';
import type { FederatedSubscriptions } from './subscriptions/federated-subscriptions';

/**
 * What operators and orchestrators read, none of it rate-limited or authenticated: /healthz (the process answers),
 * /readyz (every subgraph answers a `{ __typename }` within 2 s: 503 otherwise, naming each one's state) and
 * /metrics (Prometheus).
 */
export function healthRouter(options: { urls: Record<string, string>; metrics: ServiceMetrics }): Router {
  const { urls, metrics } = options;
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  router.get('/readyz', async (_req, res) => {
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
    const ready = checks.every(([, state]) => state === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'unavailable', subgraphs: Object.fromEntries(checks) });
  });
  router.get('/metrics', (req, res) => metrics.handle(req, res));
  return router;
}

/**
 * Upstream streams held (identical subscriptions share one), read at scrape time. A plain metric object: the
 * gateway does not depend on prom-client itself, and the registry only calls get() and reset().
 */
export function registerUpstreamGauge(metrics: ServiceMetrics, subscriptions: FederatedSubscriptions): void {
  const upstreamGauge = {
    name: 'gateway_upstream_subscriptions',
    help: 'Upstream subscription streams the gateway holds (identical client subscriptions share one)',
    type: 'gauge',
    aggregator: 'sum',
  };
  const upstreams = {
    ...upstreamGauge,
    reset: () => undefined,
    get: async () => ({ ...upstreamGauge, values: [{ value: subscriptions.upstreamCount, labels: {} }] }),
  };
  metrics.registry.registerMetric(upstreams as unknown as Parameters<typeof metrics.registry.registerMetric>[0]);
}
