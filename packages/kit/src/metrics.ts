import type { ApolloServerPlugin } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one service. Each service owns its registry (no global default registry), so several
 * services can live in one process, as they do in the end-to-end tests.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'operation' | 'outcome'>;
  readonly requestDuration: Histogram<'operation'>;
  readonly subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
  readonly openSubscriptions: Gauge;
  /** Batched HTTP requests a subgraph served (the gateway's reads sent together), and the operations in them. */
  readonly batches: Counter;
  readonly batchedOperations: Counter;
  private readonly poolSources: Array<() => { used: number; free: number; pending: number }> = [];

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'graphql_requests_total',
      help: 'GraphQL operations served, by operation name and outcome',
      labelNames: ['operation', 'outcome'],
      registers: [this.registry],
    });
    this.requestDuration = new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'GraphQL operation latency, by operation name',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.subgraphFetchDuration = new Histogram({
      name: 'subgraph_fetch_duration_seconds',
      help: 'Latency of the gateway fetches to each subgraph',
      labelNames: ['subgraph', 'outcome'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.openSubscriptions = new Gauge({
      name: 'graphql_open_subscriptions',
      help: 'Subscriptions currently open on this service',
      registers: [this.registry],
    });
    this.batches = new Counter({
      name: 'graphql_batches_total',
      help: 'HTTP requests that carried a batch of GraphQL operations',
      registers: [this.registry],
    });
    this.batchedOperations = new Counter({
      name: 'graphql_batched_operations_total',
      help: 'GraphQL operations that came in a batch',
      registers: [this.registry],
    });
    const sources = this.poolSources;
    const pool = (name: string, help: string, pick: (s: { used: number; free: number; pending: number }) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(sources.reduce((sum, source) => sum + pick(source()), 0));
        },
      });
    pool('db_pool_connections_used', 'Database connections checked out of the pool', (s) => s.used);
    pool('db_pool_connections_free', 'Idle database connections in the pool', (s) => s.free);
    pool('db_pool_pending_acquires', 'Requests waiting for a database connection', (s) => s.pending);
  }

  /**
   * A figure read at each scrape from the thing that keeps it (a runtime's events read, a relay's leadership, the
   * gateway's upstream streams): one value, or one per set of labels. Registered as a plain metric object, so that
   * nothing is copied into a prom-client metric between scrapes.
   */
  scraped(spec: {
    name: string;
    help: string;
    type?: 'gauge' | 'counter';
    read(): number | Array<{ value: number; labels: Record<string, string> }>;
  }): void {
    const head = { name: spec.name, help: spec.help, type: spec.type ?? 'gauge', aggregator: 'sum' };
    const metric = {
      ...head,
      reset: () => undefined,
      get: () => {
        const read = spec.read();
        return Promise.resolve({ ...head, values: typeof read === 'number' ? [{ value: read, labels: {} }] : read });
      },
    };
    this.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Reports the knex (tarn) pool behind a MikroORM instance in the db_pool_* gauges. */
  watchPool(orm: MikroORM): void {
    this.poolSources.push(() => {
      const tarn = (
        orm.em.getConnection().getKnex().client as {
          pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number };
        }
      ).pool;
      return tarn
        ? { used: tarn.numUsed(), free: tarn.numFree(), pending: tarn.numPendingAcquires() }
        : { used: 0, free: 0, pending: 0 };
    });
  }

  /** Apollo Server plugin: counts and times every operation by its name ("anonymous" when it has none). */
  apolloPlugin(): ApolloServerPlugin {
    const { requestDuration, requests } = this;
    return {
      async requestDidStart() {
        const end = requestDuration.startTimer();
        let operation = 'unknown';
        return {
          async didResolveOperation(ctx) {
            operation = ctx.operationName ?? 'anonymous';
          },
          async willSendResponse(ctx) {
            const failed = ctx.response.body.kind === 'single' && !!ctx.response.body.singleResult.errors?.length;
            end({ operation });
            requests.inc({ operation, outcome: failed ? 'error' : 'ok' });
          },
        };
      },
    };
  }

  async handle(_req: Request, res: Response): Promise<void> {
    res.setHeader('content-type', this.registry.contentType);
    res.send(await this.registry.metrics());
  }
}
