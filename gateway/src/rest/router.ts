import { DomainError, MAX_PAGE_SIZE, type Principal, traceHttpRequest } from '@pos/kit';
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { z } from 'zod';
import { isAuthenticationUnavailable, isCrossSiteSession } from '../auth/errors';
import type { GraphExecutor, OperationResult } from '../graph-executor';
import { setRateLimitHeaders } from '../hardening/cost';
import { isTooManyKeyFailures } from '../hardening/key-failures';
import { type RestError, fromDomainError, fromGraphQLError, refusalIn, restError, sendRestError } from './errors';
import type { RestRoute, RouteLinks } from './route';

export interface RestRouterOptions {
  routes: RestRoute[];
  /**
   * Verifies the request's credential of the route's scheme; throws when it is missing or invalid, or an error
   * {@link isAuthenticationUnavailable} recognises when it could not be checked.
   */
  authenticate(req: Request, scheme: 'bearer' | 'apiKey'): Promise<Principal>;
  execute: GraphExecutor;
  /** What routes may add to their bodies with {@link RestRoute.addLinks}. */
  links: RouteLinks;
}

/**
 * The caller of a route that needs `scope`, or the 401/403 it is answered (the same for every route), or 503 when
 * authentication could not decide.
 */
export async function callerOf(
  req: Request,
  scheme: 'bearer' | 'apiKey',
  scope: string,
  authenticate: (req: Request, scheme: 'bearer' | 'apiKey') => Promise<Principal>,
): Promise<{ principal: Principal } | { error: RestError }> {
  let principal: Principal;
  try {
    principal = await authenticate(req, scheme);
  } catch (error) {
    // The credential could not be checked (its lookup's database is down): a 503 to retry, through the one mapping,
    // not the 401 that would tell the caller to drop a valid credential (auth/errors.ts).
    if (isAuthenticationUnavailable(error)) return { error: fromGraphQLError(error) };
    // A portal session cookie sent by another site's page: refused as /graphql refuses it (403), not as unknown.
    if (isCrossSiteSession(error)) return { error: fromGraphQLError(error) };
    // An address past its wrong API keys (hardening/key-failures.ts): 429 with the wait, its key not even checked.
    if (isTooManyKeyFailures(error)) return { error: fromGraphQLError(error) };
    return {
      error: restError(401, 'Unauthorized', [
        scheme === 'apiKey' ? 'A valid X-Api-Key header is required' : 'A valid Bearer access token is required',
      ]),
    };
  }
  if (!principal.scopes.includes(scope)) {
    const credential = scheme === 'apiKey' ? 'API key' : 'access token';
    return { error: restError(403, 'Forbidden', [`The ${credential} lacks the scope ${scope}`]) };
  }
  return { principal };
}

/** The 415 of a body that is not JSON. */
export const notJson = () => restError(415, 'Unsupported media type', ['Content-Type must be application/json']);

/** Set on a response that replays the stored result of an earlier request with the same Idempotency-Key. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** A validation failure as the 400's details: `body.amount_cents: …`, one line per problem. */
export const issues = (error: z.ZodError, where: string) =>
  error.issues.map((i) => `${where}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);

export const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * The body of `req`, validated as the route table validates bodies (415 when not JSON, 400 with every problem): for
 * the gateway's own routes, which run no GraphQL operation.
 */
export function validBody<T extends z.ZodType>(req: Request, schema: T): { data: z.infer<T> } | { error: RestError } {
  if (hasBody(req) && !req.is('application/json')) return { error: notJson() };
  const parsed = schema.safeParse(hasBody(req) ? req.body : {});
  return parsed.success
    ? { data: parsed.data }
    : { error: restError(400, 'Validation error', issues(parsed.error, 'body')) };
}

/**
 * How a gateway-owned route answers what its service threw: a refusal through the one error mapping; anything else
 * goes to the gateway's error handler (logged, a 500 with the request id and nothing internal).
 */
export function answerRefusal(res: Response, next: NextFunction, error: unknown): void {
  if (error instanceof DomainError) sendRestError(res, fromDomainError(error), res.locals.requestId as string);
  else next(error);
}

/** Express routes for the route table: authenticate, authorise, validate, run the one operation, map the outcome. */
export function restRouter(options: RestRouterOptions): Router {
  const router = Router();
  for (const route of options.routes) {
    const expressPath = route.path.replace(/\{(\w+)\}/g, ':$1');
    // Each call is a server span (the trace's root, or continuing the caller's traceparent) named by the route's
    // template, never its values; the operation and every subgraph fetch it makes are spans below it.
    const spanAttributes = { 'pos.rest.operation_id': route.operationId };
    router[route.method](expressPath, (req: Request, res: Response) =>
      traceHttpRequest('gateway', route.path, req, res, () => handle(req, res), spanAttributes),
    );
    async function handle(req: Request, res: Response) {
      const requestId = res.locals.requestId as string;
      const fail = (error: RestError) => sendRestError(res, error, requestId);
      const scheme = route.auth ?? 'bearer';
      const caller = await callerOf(req, scheme, route.scope, options.authenticate);
      if ('error' in caller) return fail(caller.error);
      const { principal } = caller;
      if (route.body && hasBody(req) && !req.is('application/json')) return fail(notJson());
      const params = route.params.safeParse(req.params);
      const query = route.query.safeParse(req.query);
      const body = route.body?.safeParse(hasBody(req) ? req.body : {});
      const problems = [
        ...(params.success ? [] : issues(params.error, 'path')),
        ...(query.success ? [] : issues(query.error, 'query')),
        ...(body && !body.success ? issues(body.error, 'body') : []),
      ];
      if (problems.length) return fail(restError(400, 'Validation error', problems));

      const variables = route.variables({
        params: params.data,
        query: query.data,
        body: body?.data,
        idempotencyKey: route.idempotent ? (req.header('idempotency-key') ?? null) : null,
      });
      const result = route.pages
        ? await executePages(route, variables, (vars) => options.execute(route.document, vars, principal, requestId))
        : await options.execute(route.document, variables, principal, requestId);
      // Every answer of a route that ran its operation says what is left of the caller's budget, refusals included.
      setRateLimitHeaders(res, result.extensions?.cost);
      if (result.errors?.length) return fail(fromGraphQLError(result.errors[0]));
      const refusal = refusalIn(result.data ?? {}, route.outcomes);
      if (refusal) return fail(refusal);
      const response = route.respond(result.data ?? {});
      if (!response) return fail(restError(404, route.notFoundMessage ?? 'Not found'));
      if (route.addLinks) {
        response.body = await route.addLinks(response.body, result.data ?? {}, { principal, links: options.links });
      }
      if (response.replayed) res.setHeader(REPLAYED_HEADER, 'true');
      res.status(response.status).json(response.body);
    }
  }
  return router;
}

/**
 * Runs a paged route's operation (see {@link RestRoute.pages}) until it has the rows it wants or the list ends, each
 * page at most the route's `pageSize` ({@link MAX_PAGE_SIZE} by default) rows. The first page's data carries every row read; a later page's error (or
 * the resource gone meanwhile) is the answer instead.
 */
async function executePages(
  route: RestRoute,
  variables: Record<string, unknown>,
  run: (variables: Record<string, unknown>) => Promise<OperationResult>,
): Promise<OperationResult> {
  const wanted = typeof variables.first === 'number' ? variables.first : Infinity;
  const pageOf = (remaining: number, after: string | null) =>
    run({ ...variables, first: Math.min(remaining, route.pageSize ?? MAX_PAGE_SIZE), after });
  const first = await pageOf(wanted, null);
  const connection = first.errors?.length ? null : route.pages!(first.data ?? {});
  if (!connection) return first;
  let last = connection;
  let extensions = first.extensions;
  while (connection.nodes.length < wanted && last.pageInfo.hasNextPage) {
    const next = await pageOf(wanted - connection.nodes.length, last.pageInfo.endCursor);
    const more = next.errors?.length ? null : route.pages!(next.data ?? {});
    if (!more) return next;
    connection.nodes.push(...more.nodes);
    last = more;
    extensions = next.extensions;
  }
  return { ...first, extensions };
}
