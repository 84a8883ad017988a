import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import { trustedDocuments as firstPartyDocuments } from '@pos/client';
import {
  type Clock,
  type Logger,
  type RunningServer,
  EntityClient,
  ServiceMetrics,
  createExpressServer,
  createLogger,
  createOrm,
  errorReporting,
  formatGraphQLError,
  listen,
  migrate,
  requestLogging,
  shouldSeedDemo,
  systemClock,
} from '@pos/kit';
import { traceRequests, tracingPlugin } from '@pos/kit';
import express from 'express';
import { GraphQLError } from 'graphql';
import { WebSocketServer } from 'ws';
import { apiDocumentsRouter } from './api-documents';
import { API_KEY_HEADER, apiKeyPrincipals, loadApiKeyPrincipal } from './auth/api-keys';
import { unauthorized } from './auth/errors';
import type { TokenSigner } from './auth/access-tokens';
import { AuthorizationCodes } from './auth/authorization-codes';
import { ExternalSignIn } from './auth/external-sign-in';
import { authorizeRouter } from './auth/authorize.router';
import { issuerRouter } from './auth/issuer';
import { PasswordSignIn } from './auth/password-sign-in';
import { PartnerCredentials } from './auth/partner-credentials';
import { PortalSessions } from './auth/portal-sessions';
import { PosKeys } from './auth/pos-keys';
import { PORTAL_SESSION_COOKIE, portalSignInRouter } from './auth/portal-sign-in.router';
import { cookieValue } from './auth/browser-requests';
import { KeyStore } from './auth/keys';
import { LaunchService, loadSessionState } from './auth/launch';
import { cachedLookup } from './auth/lookup-cache';
import { type IssuedUserToken, issueUserSession, loadUserGrant } from './auth/user-tokens';
import { type AccessTokenVerifier, createAccessTokenVerifier } from './auth/verify';
import { createCallers } from './callers';
import { type GatewayConfig, subgraphUrls } from './config';
import type { GatewayContext } from './context';
import { SubgraphDataSource, subgraphFetcherFor } from './datasource';
import { SharedSubgraphFetches } from './fetch/shared-fetches';
import { sharedOperations } from './fetch/shared-operations';
import { inProcessExecutor } from './graph-executor';
import {
  bodyErrorHandler,
  callerKey,
  clientAddress,
  costPlugin,
  documentLimits,
  hardeningOf,
  rateLimitMiddleware,
  unknownOperationRefused,
  whenDecided,
} from './hardening';
import { healthRouter, registerRateLimitStoreMetrics, registerUpstreamGauge } from './health';
import { createHostedCheckout } from './hosted-checkout';
import { ApiClient } from './identity/identity.entities';
import { gatewayOrm } from './identity/orm';
import { seedIdentity } from './identity/seed';
import { restError, sendRestError } from './rest/errors';
import { restRouter } from './rest/router';
import { routes } from './rest/routes';
import { credentialsRouter } from './rest/v1/credentials';
import { launchRouter } from './rest/v1/launch';
import { FederatedSubscriptions } from './subscriptions/federated-subscriptions';
import { HttpStreams } from './subscriptions/http-streams';
import { subscriptionsOverHttpRefused } from './subscriptions/http-transport';
import { Operations } from './subscriptions/operations';
import { useWsServer } from './subscriptions/ws-server';
import { TrustedDocuments, trustedDocumentsMiddleware } from './trusted-documents';
import { PORTAL_PATHS, dashboardPage, graphiqlPage, launchPage, loyaltyPage, portalPage, webAssets } from './web';

export interface StartedGateway extends RunningServer {
  orm: MikroORM;
  subscriptions: FederatedSubscriptions;
  /** Verifies a bearer token as every request does (same keys, lookups and caches). */
  verifyAccessToken: AccessTokenVerifier;
  /** Mints an access token for a POS user; throws UserTokenError when the user is unknown or inactive. */
  issueUserToken(userId: string): Promise<IssuedUserToken>;
  /** The clock of SSO launch links (token expiry, session end); tests replace `now` to move time. */
  clock: Clock;
}

async function tenantOfClient(orm: MikroORM, clientId: string): Promise<string | null> {
  const client = await orm.em.fork().findOne(ApiClient, { clientId, active: true });
  return client ? client.partner.id : null;
}

/** Whether an M2M client may send documents of its own under TRUSTED_DOCUMENTS=require; false when unknown. */
async function clientSendsFreeDocuments(orm: MikroORM, clientId: string): Promise<boolean> {
  const client = await orm.em.fork().findOne(ApiClient, { clientId, active: true });
  return client?.freeDocuments ?? false;
}

/**
 * Starts the gateway: the federated graph at /graphql (HTTP and graphql-ws), the built-in OAuth issuer, the REST
 * facade, /healthz, /readyz and /metrics. The tests start it the same way, on port 0.
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger = createLogger('gateway', config.LOG_LEVEL),
): Promise<StartedGateway> {
  const orm = await createOrm({
    databaseUrl: config.DATABASE_URL,
    schema: gatewayOrm.pgSchema,
    entities: gatewayOrm.entities,
    migrations: gatewayOrm.migrations,
    poolMax: 5,
  });
  const closers: Array<() => Promise<void>> = [() => orm.close()];
  try {
    if (config.MIGRATE_ON_START) {
      const applied = await migrate(orm);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
    if (shouldSeedDemo(config.NODE_ENV, config.SEED_DEMO)) await seedIdentity(orm.em.fork());
    const keys = await KeyStore.load(orm.em.fork(), config.KEY_ENCRYPTION_KEY);

    const app = express();
    app.disable('x-powered-by');
    // The client address anonymous callers are rate-limited by (hardening/http.ts): X-Forwarded-For only from the
    // proxies TRUST_PROXY names.
    app.set('trust proxy', config.TRUST_PROXY);
    const hardening = hardeningOf(config, { logger });
    closers.push(() => hardening.store.close());
    // RATE_LIMIT_STORE=redis: its first connection, so that the first requests do not find it still connecting.
    await hardening.store.start();
    const httpServer = createExpressServer(app);
    const port = await listen(httpServer, config.PORT, config.HOST);
    const publicUrl = config.PUBLIC_URL ?? `http://localhost:${port}`;
    const issuer = config.JWT_ISSUER ?? publicUrl;
    const signer: TokenSigner = { issuer, keys, tokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS };
    const cacheTtlMs = config.AUTH_CACHE_TTL_SECONDS * 1000;
    const verify = createAccessTokenVerifier({
      issuer,
      jwks: config.JWKS_URL ? new URL(config.JWKS_URL) : keys.publicJwks,
      tenantOfClient: cachedLookup((clientId) => tenantOfClient(orm, clientId), cacheTtlMs),
      userOfToken: cachedLookup((userId) => loadUserGrant(orm.em.fork(), userId), cacheTtlMs),
      sessionOf: cachedLookup((sessionId) => loadSessionState(orm.em.fork(), sessionId), cacheTtlMs),
      onKeysUnavailable: (error) =>
        logger.warn({ err: error, jwksUrl: config.JWKS_URL }, 'the issuer key set could not be fetched; answering 503'),
    });

    // Who sent a request, by each credential, resolved once per request (callers.ts).
    const portalSessions = new PortalSessions({ em: () => orm.em.fork() });
    const { callerOf, tokenCaller, apiKeyCaller, tokenCallerOf, apiKeyCallerAt, portalCaller } = createCallers({
      verify,
      apiKeyPrincipal: apiKeyPrincipals(
        cachedLookup((keyHash) => loadApiKeyPrincipal(orm.em.fork(), keyHash), cacheTtlMs),
      ),
      keyFailures: hardening.keyFailures,
      portalSessions,
      publicUrl,
    });

    // Documents by hash on every transport (trusted-documents.ts): the first-party apps' manifest from @pos/client.
    const trusted = new TrustedDocuments({
      mode: config.TRUSTED_DOCUMENTS,
      manifest: firstPartyDocuments,
      clientSendsFreeDocuments: cachedLookup((clientId) => clientSendsFreeDocuments(orm, clientId), cacheTtlMs),
    });

    const metrics = new ServiceMetrics('gateway');
    metrics.watchPool(orm);
    const urls = subgraphUrls(config);
    const fetcher = subgraphFetcherFor(config.SUBGRAPH_MAX_BATCH);
    const dataSources = Object.fromEntries(
      Object.entries(urls).map(([name, url]) => [
        name,
        new SubgraphDataSource(name, url, config.INTERNAL_JWT_SECRET, metrics, fetcher),
      ]),
    );
    const supergraphSdl = fs.readFileSync(config.SUPERGRAPH_PATH, 'utf8');
    const gateway = new ApolloGateway({
      supergraphSdl,
      // Queries and mutations: each entity representation sent once, identical reads in flight shared (fetch/).
      buildService: ({ name }) => {
        const source = dataSources[name];
        if (!source) throw new Error(`No URL configured for subgraph ${name}`);
        return new SharedSubgraphFetches(name, source, { coalesce: config.SHARE_READS_IN_FLIGHT, dedupe: true });
      },
      logger,
    });
    const subscriptions = new FederatedSubscriptions(
      supergraphSdl,
      dataSources,
      urls,
      config.INTERNAL_JWT_SECRET,
      logger,
      metrics,
      { upstreamRetryMs: config.SUBSCRIPTION_UPSTREAM_RETRY_SECONDS * 1000 },
    );
    closers.push(() => subscriptions.close());
    registerUpstreamGauge(metrics, subscriptions);
    registerRateLimitStoreMetrics(metrics, hardening.store);

    const development = config.NODE_ENV !== 'production';
    const apollo = new ApolloServer<GatewayContext>({
      gateway,
      formatError: formatGraphQLError,
      // Never a stack in an answer, in any environment (Apollo adds one outside production and test by default): a
      // `pnpm start` demo is what people first try, and its answers must leak no more than production's.
      includeStacktraceInErrorResponses: false,
      // Production shows neither the schema nor a page about it, nor names fields in "Did you mean …?" suggestions.
      introspection: development,
      hideSchemaDetailsFromClientErrors: !development,
      // Depth and cost limits, for HTTP and for the operations REST routes and graphql-ws run in-process.
      validationRules: hardening.validationRules,
      // Apollo's default, stated: a GET, or a POST a browser may send cross-site without a preflight (text/plain,
      // form encodings), must carry apollo-require-preflight or x-apollo-operation-name, or it is refused (400).
      csrfPrevention: true,
      // A JSON array of operations is refused (400): one HTTP request is one operation, so the rate limit, the body
      // limit and the cost limit each bound what one request can ask for.
      allowBatchedHttpRequests: false,
      // Documents by hash are resolved before Apollo Server sees the request (trusted-documents.ts), the same way as
      // over graphql-ws: it is always handed the text.
      persistedQueries: false,
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer }),
        // No landing page from Apollo in any environment: its Sandbox loads from a CDN. Outside production a
        // browser's GET of /graphql gets GraphiQL, bundled and served by the gateway itself (web/).
        ApolloServerPluginLandingPageDisabled(),
        metrics.apolloPlugin(),
        errorReporting(logger),
        // An operationName that matches no operation of the document: 400, not the gateway's 500.
        unknownOperationRefused(),
        // A subscription sent over plain HTTP: 400 naming the transport to use (before it is charged).
        subscriptionsOverHttpRefused(),
        // Every operation spends its calculated cost from its caller's budget; every answer says where it stands.
        costPlugin(hardening.costs),
        // Names the traced operation on its span (nothing while tracing is off).
        tracingPlugin(),
        // Identical queries of one caller in flight at once: one execution, each its own copy (fetch/).
        ...(config.SHARE_READS_IN_FLIGHT ? [sharedOperations()] : []),
      ],
    });
    await apollo.start();
    closers.unshift(() => apollo.stop());

    // Every streaming transport (graphql-ws, multipart HTTP, SSE) checks and runs operations here: subscriptions go
    // through the planner, queries and mutations through Apollo Server exactly as over HTTP.
    const operations = new Operations(
      {
        schema: subscriptions.apiGraphQLSchema,
        // The same depth and cost limits and the same per-caller bucket as /graphql over HTTP.
        limits: documentLimits(subscriptions.apiGraphQLSchema, hardening.validationRules),
        rateLimit: (principal) => hardening.requests.take(callerKey(principal)),
        chargeSubscription: (request, operation) => {
          const { document, operationName, variables, context } = request;
          const cost = hardening.costs.costOf(subscriptions.apiGraphQLSchema, document, operationName, variables);
          return whenDecided(hardening.costs.charge(context.principal!, cost, operation), (charge) => charge.refusal);
        },
        suggestions: development,
        subscribe: (request, sink) => subscriptions.subscribe(request, sink),
        resolveDocument: (payload, principal) => trusted.resolveDocument(payload, principal),
        execute: async (request) => {
          const response = await apollo.executeOperation(
            {
              query: request.document,
              variables: request.variables ?? undefined,
              operationName: request.operationName ?? undefined,
            },
            { contextValue: request.context },
          );
          if (response.body.kind === 'single') return response.body.singleResult;
          return { errors: [new GraphQLError('@defer is not supported over a streaming transport')] };
        },
      },
      logger,
    );
    // graphql-ws on the same /graphql URL. A client that stops reading is closed with 4008 (ws-server.ts).
    const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
    const wsServer = useWsServer(
      wss,
      {
        operations,
        // One credential, as on /graphql over HTTP: a bearer token, an API key (the loyalty customer's page sends
        // its key in connection_init), or (with neither) the portal's session cookie.
        authenticate: ({ authorization, apiKey, address }, upgrade) =>
          apiKey !== undefined
            ? authorization !== undefined
              ? Promise.reject(unauthorized())
              : apiKeyCallerAt(apiKey, address)
            : authorization === undefined && cookieValue(upgrade, PORTAL_SESSION_COOKIE) !== null
              ? portalCaller(upgrade)
              : tokenCallerOf(authorization),
        // The upgrade request is made with Express's request prototype (createExpressServer), so its `ip` is the
        // address HTTP requests are known by, TRUST_PROXY included.
        addressOf: (request) => clientAddress(request as express.Request),
      },
      { maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES, logger },
    );
    closers.unshift(async () => {
      await wsServer.dispose();
    });
    // Multipart HTTP and GraphQL over SSE on /graphql: authenticated as /graphql over HTTP is, the same send limit.
    const httpStreams = new HttpStreams(operations, {
      authenticate: callerOf,
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      reservationTtlMs: config.SSE_RESERVATION_TTL_SECONDS * 1000,
      logger,
    });
    closers.unshift(async () => httpStreams.close());

    app.use(requestLogging(logger));
    app.use(
      rateLimitMiddleware({
        requests: hardening.requests,
        tokens: hardening.tokens,
        principalOf: (req) => callerOf(req).catch(() => null),
      }),
    );
    const jsonBody = express.json({ limit: hardening.maxBodyBytes });
    // The built pages' scripts and styles (web/): the dashboard's in every environment, GraphiQL's beside them
    // outside production only.
    app.use(
      '/web/assets',
      webAssets(development ? undefined : ['dashboard.html', 'portal.html', 'launch.html', 'loyalty.html']),
    );
    if (development) app.get('/graphql', graphiqlPage());
    // /graphql first: its requests, the most frequent, pass no route of the REST facade, issuer or pages.
    app.use(
      '/graphql',
      jsonBody,
      // A document sent by hash becomes its text here, for Apollo Server and the streaming transports alike.
      trustedDocumentsMiddleware(trusted, callerOf),
      // Streaming requests before the request span: each operation has its own (Operations), not one per stream.
      httpStreams.handler,
      traceRequests('gateway'),
      expressMiddleware(apollo, {
        context: async ({ req, res }) => ({
          requestId: res.locals.requestId as string,
          principal: await callerOf(req),
        }),
      }),
    );
    app.use(healthRouter({ urls, metrics, rateLimitStore: hardening.store }));
    // The live payments dashboard (apps/web): it reads and subscribes over graphql-ws with the viewer's own token.
    app.get('/dashboard', dashboardPage());
    // Where launch links land POS staff: the page exchanges the link's token and shows the location's open checks.
    app.get('/pos/launch', launchPage());
    // The loyalty customer's page: their balances, coupons and, live, the PIN a cashier asks for, signed in with
    // their own key (kept in the page's memory only).
    app.get(['/loyalty', '/loyalty/'], loyaltyPage());
    const execute = inProcessExecutor(apollo);
    const clock = systemClock();
    const launch = new LaunchService({ em: () => orm.em.fork(), signer, clock, publicUrl, execute });
    const checkout = createHostedCheckout({
      keyEncryptionKey: config.KEY_ENCRYPTION_KEY,
      execute,
      orders: new EntityClient(urls.orders, config.INTERNAL_JWT_SECRET),
      publicUrl,
      clock,
      logger,
    });
    // The portal's people sign in at the built-in issuer (authorization code + PKCE); the portal redeems the code
    // itself and keeps the session, the browser only its id (portal-sign-in.router.ts).
    const codes = new AuthorizationCodes({
      em: () => orm.em.fork(),
      signer,
      publicUrl,
      otherRedirectUris: config.PORTAL_REDIRECT_URIS,
    });
    app.use(authorizeRouter({ codes, signIn: new PasswordSignIn(() => orm.em.fork()), publicUrl }));
    // With an external issuer configured for people (PORTAL_AUTHORIZE_URL), the portal signs them in there instead.
    const external =
      config.PORTAL_AUTHORIZE_URL && config.PORTAL_TOKEN_URL && config.JWT_ISSUER && config.JWKS_URL
        ? new ExternalSignIn({
            em: () => orm.em.fork(),
            authorizeUrl: config.PORTAL_AUTHORIZE_URL,
            tokenUrl: config.PORTAL_TOKEN_URL,
            clientId: config.PORTAL_CLIENT_ID,
            issuer: config.JWT_ISSUER,
            jwksUrl: config.JWKS_URL,
          })
        : undefined;
    app.use(portalSignInRouter({ codes, external, sessions: portalSessions, publicUrl }));
    app.get(
      PORTAL_PATHS,
      portalPage(async (req) => (await portalSessions.resolve(cookieValue(req, PORTAL_SESSION_COOKIE))) !== null),
    );
    app.use(issuerRouter({ ...signer, em: () => orm.em.fork(), sessions: launch, codes }));
    app.use(apiDocumentsRouter(publicUrl));
    // The public hosted checkout pages (HTML forms, their own body parser and security headers).
    app.use(checkout.router);
    app.use(
      jsonBody,
      launchRouter({
        service: launch,
        authenticate: tokenCaller,
        budget: (principal) => hardening.costs.status(principal),
      }),
      // The partner's credentials, managed by its people: the portal calls these with its session cookie.
      credentialsRouter({
        service: new PartnerCredentials({ em: () => orm.em.fork(), clock }),
        posKeys: new PosKeys({ em: () => orm.em.fork(), clock, execute }),
        // A person's session or a bearer token; never an API key, which stands for a POS or a customer.
        authenticate: (req) =>
          req.header(API_KEY_HEADER) !== undefined ? Promise.reject(unauthorized()) : callerOf(req),
        budget: (principal) => hardening.costs.status(principal),
      }),
      restRouter({
        routes,
        authenticate: (req, scheme) => (scheme === 'apiKey' ? apiKeyCaller(req) : tokenCaller(req)),
        execute,
        links: checkout.links,
      }),
    );
    // Anything else is a JSON 404, and any error that escapes a handler (a malformed JSON body, a bug) a JSON
    // 400 or 500: Express's own handler would answer with HTML and, outside production, a stack trace.
    app.use((req, res) => {
      sendRestError(res, restError(404, 'Not found', [`No route for ${req.method} ${req.path}`]));
    });
    // A body too large (413), malformed (400) or in an unknown encoding (415), in the path's own error shape.
    app.use(bodyErrorHandler());
    app.use((error: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (res.headersSent) return next(error);
      const requestId = res.locals.requestId as string | undefined;
      logger.error({ err: error, requestId, path: req.path }, 'unhandled error');
      sendRestError(res, restError(500), requestId);
    });

    logger.info({ url: `${publicUrl}/graphql` }, 'gateway listening');
    return {
      url: `http://127.0.0.1:${port}/graphql`,
      port,
      httpServer,
      orm,
      subscriptions,
      verifyAccessToken: verify,
      issueUserToken: (userId) => issueUserSession(signer, orm.em.fork(), userId),
      clock,
      close: async () => {
        for (const close of closers) await close();
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
