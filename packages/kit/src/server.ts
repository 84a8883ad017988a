import { randomUUID } from 'node:crypto';
import { IncomingMessage, type Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { errorReporting, formatGraphQLError } from './errors';
import {
  BATCH_REQUEST_IDS_HEADER,
  INTERNAL_CONTEXT_HEADER,
  REQUEST_ID_HEADER,
  type Principal,
  internalContextVerifier,
} from './internal-auth';
import type { Logger } from './logger';
import type { ServiceMetrics } from './metrics';
import { traceRequests, tracingPlugin } from './tracing';

/** What every subgraph resolver receives; each subgraph extends it with its own DataLoaders. */
export interface RequestContext {
  requestId: string;
  /** Verified from the gateway's signed internal context; null for unauthenticated calls. */
  principal: Principal | null;
  /** A fork of the EntityManager for this request only (its own identity map). */
  em: EntityManager;
  logger: Logger;
}

export interface RunningServer {
  url: string;
  port: number;
  httpServer: Server;
  close(): Promise<void>;
}

/** Operations one batched request to a subgraph may hold: the gateway's SUBGRAPH_MAX_BATCH is 100 at most. */
const MAX_BATCH_OPERATIONS = 100;

export interface SubgraphServerOptions<C extends RequestContext> {
  name: string;
  schema: GraphQLSchema;
  orm: MikroORM;
  logger: Logger;
  metrics: ServiceMetrics;
  internalSecret: string;
  /** Adds the subgraph's per-request loaders to the base context. */
  buildContext: (base: RequestContext) => C;
  /** Serve graphql-ws on /graphql too (the payments subgraph's subscriptions). */
  subscriptions?: boolean;
  port: number;
  host?: string;
}

/**
 * Adds a request id (the caller's x-request-id when given) and one structured log line per request. `batches`: the
 * gateway's batches arrive here (subgraphs), whose x-batch-request-ids is logged; the gateway's own public clients
 * must not be able to put other requests' ids on their lines.
 */
export function requestLogging(logger: Logger, { batches = false }: { batches?: boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.header(REQUEST_ID_HEADER);
    const requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    // A batch of the gateway's reads: one line for the HTTP request, with the request id of each operation in it.
    const batched = batches ? req.header(BATCH_REQUEST_IDS_HEADER) : undefined;
    const requestIds = batched && /^[\w.:,-]{1,8192}$/.test(batched) ? batched.split(',') : undefined;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // originalUrl: by now a mounted router may have rewritten req.path relative to its mount point.
      const path = req.originalUrl.split('?')[0];
      if (path === '/healthz' || path === '/metrics') return;
      logger.info(
        {
          requestId,
          requestIds,
          method: req.method,
          path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          // Set by the request's server span while tracing is on (an undefined field is not written).
          trace_id: res.locals.traceId as string | undefined,
        },
        'request',
      );
    });
    next();
  };
}

/**
 * The HTTP server of an express app, making its requests and responses with express's prototypes from the start.
 * Express otherwise swaps the prototype of both objects on every request (Object.setPrototypeOf), which V8 handles
 * slowly and which leaves every request's objects with a changed shape: that swap cost the gateway about a quarter
 * of its CPU per request on the bench's small identical read. Express still sets the same prototypes, now a no-op.
 */
export function createExpressServer(app: Express): Server {
  function ExpressRequest(this: IncomingMessage, ...args: ConstructorParameters<typeof IncomingMessage>) {
    IncomingMessage.apply(this, args);
  }
  ExpressRequest.prototype = app.request;
  function ExpressResponse(this: ServerResponse, ...args: ConstructorParameters<typeof ServerResponse>) {
    ServerResponse.apply(this, args);
  }
  ExpressResponse.prototype = app.response;
  return createServer(
    {
      IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage,
      ServerResponse: ExpressResponse as unknown as typeof ServerResponse,
    },
    app,
  );
}

export async function listen(httpServer: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  return (httpServer.address() as AddressInfo).port;
}

/**
 * A variable the subgraph cannot coerce is the caller's error, answered 200 with its BAD_USER_INPUT errors. The
 * gateway checks every variable against the API schema except custom scalars (DateTimeISO), which only a subgraph
 * parses; answered 400 (Apollo Server 5's status for variable coercion errors), @apollo/gateway's
 * RemoteGraphQLDataSource drops the body of a non-2xx answer, and the client got a masked internal error
 * (createPayment with expiresAt "not a date"). A plugin, not `status400ForVariableCoercionErrors: false`, which
 * Apollo Server 5 deprecates with a warning at every start.
 */
function userInputErrorsAnswered200(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          if (
            response.http.status === 400 &&
            errors?.length &&
            errors.every((e) => e.extensions?.code === 'BAD_USER_INPUT')
          ) {
            response.http.status = 200;
          }
        },
      };
    },
  };
}

/**
 * Starts one subgraph: Apollo Server on express 5 at /graphql (plus graphql-ws when asked), /healthz (the process
 * is up), /readyz (the database answers) and /metrics. Every subgraph uses this, so they all have the same shape.
 */
export async function startSubgraphServer<C extends RequestContext>(
  options: SubgraphServerOptions<C>,
): Promise<RunningServer> {
  const { schema, orm, logger, metrics, internalSecret } = options;
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createExpressServer(app);
  metrics.watchPool(orm);
  const verifyContext = internalContextVerifier(internalSecret);

  const contextFor = (requestId: string, principal: Principal | null): C =>
    options.buildContext({ requestId, principal, em: orm.em.fork(), logger: logger.child({ requestId }) });

  const drainers: Array<() => Promise<void>> = [];
  if (options.subscriptions) {
    const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
    const wsServer = useServer<Record<string, unknown>, { principal?: Principal }>(
      {
        schema,
        // The gateway opens upstream subscriptions with its signed context; a connection without a valid one is
        // refused before any operation runs. Verified once per connection, then reused by its operations.
        onConnect: async (ctx) => {
          const principal = await verifyContext(ctx.connectionParams?.[INTERNAL_CONTEXT_HEADER] as string);
          if (principal) ctx.extra.principal = principal;
          return principal !== null;
        },
        context: (ctx) =>
          contextFor(String(ctx.connectionParams?.[REQUEST_ID_HEADER] ?? randomUUID()), ctx.extra.principal ?? null),
        onSubscribe: () => {
          metrics.openSubscriptions.inc();
        },
        // graphql-ws bypasses Apollo's formatError: errors are mapped here too, so a refusal keeps its code and an
        // internal error is masked over the websocket as it is over HTTP.
        onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatGraphQLError(error.toJSON(), error)),
        onNext: (_ctx, _id, _payload, _args, result) =>
          result.errors
            ? { ...result, errors: result.errors.map((error) => formatGraphQLError(error.toJSON(), error)) }
            : undefined,
        onComplete: () => {
          metrics.openSubscriptions.dec();
        },
      },
      wss,
    );
    drainers.push(async () => {
      await wsServer.dispose();
    });
  }

  const server = new ApolloServer<RequestContext>({
    schema,
    // No stack in an answer outside production either (Apollo's default adds one): see the gateway's server.
    includeStacktraceInErrorResponses: false,
    // The gateway sends reads of one caller issued together as one array (gateway/src/fetch/fetcher.ts): they run
    // side by side in one context, so their DataLoaders share each query. Only from signed callers (see below).
    allowBatchedHttpRequests: true,
    formatError: formatGraphQLError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      userInputErrorsAnswered200(),
      ApolloServerPluginInlineTraceDisabled(),
      metrics.apolloPlugin(),
      errorReporting(logger),
      // Root fields, _entities and field resolvers get spans while tracing is on (nothing otherwise).
      tracingPlugin({ resolvers: true }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              for (const drain of drainers) await drain();
            },
          };
        },
      },
    ],
  });
  await server.start();

  app.use(requestLogging(logger, { batches: true }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.name });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await orm.em.getConnection().execute('select 1');
      res.json({ status: 'ready', service: options.name });
    } catch {
      res.status(503).json({ status: 'unavailable', service: options.name });
    }
  });
  app.get('/metrics', (req, res) => metrics.handle(req, res));
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    async (req: Request, res: Response, next: NextFunction) => {
      if (!Array.isArray(req.body)) return next();
      // Only the gateway batches, at most SUBGRAPH_MAX_BATCH (100 at most) reads with a signed context: anyone else
      // who reaches a subgraph must not make one request run a thousand operations.
      const refusal =
        req.body.length > MAX_BATCH_OPERATIONS
          ? `A batch holds at most ${MAX_BATCH_OPERATIONS} operations`
          : !(await verifyContext(req.header(INTERNAL_CONTEXT_HEADER)))
            ? 'Batched operations need a signed context'
            : null;
      if (refusal) {
        res.status(400).json({ errors: [{ message: refusal, extensions: { code: 'BAD_REQUEST' } }] });
        return;
      }
      metrics.batches.inc();
      metrics.batchedOperations.inc(req.body.length);
      next();
    },
    // A server span continuing the gateway's traceparent, active while Apollo runs the operation.
    traceRequests(options.name),
    expressMiddleware(server, {
      context: async ({ req, res }) =>
        contextFor(res.locals.requestId as string, await verifyContext(req.header(INTERNAL_CONTEXT_HEADER))),
    }),
  );

  const port = await listen(httpServer, options.port, options.host);
  const url = `http://127.0.0.1:${port}/graphql`;
  logger.info({ url }, `${options.name} subgraph listening`);
  return {
    url,
    port,
    httpServer,
    close: async () => {
      await server.stop();
    },
  };
}
