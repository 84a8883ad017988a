import type { z } from 'zod';

/** What a route answers: the status and body, and whether it is the replay of an idempotent request. */
export interface RouteResponse {
  status: number;
  body: unknown;
  replayed?: boolean;
}

/**
 * One REST route: validated input, exactly one GraphQL operation run in-process against the gateway, and a
 * mapping of its result to the documented body. No business rule lives here; the subgraphs own those.
 */
export interface RestRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post';
  /** OpenAPI-style path, e.g. /pos/v1/locations/{id} */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** The OAuth scope the caller's token (or API key) must hold. */
  scope: string;
  /** How the caller authenticates: a Bearer access token (the default) or an `X-Api-Key` (the loyalty API). */
  auth?: 'bearer' | 'apiKey';
  params: P;
  query: Q;
  /** The JSON body; a request without any body is validated as `{}`. */
  body?: B;
  /** Takes an `Idempotency-Key` header, passed to the operation as `idempotencyKey`. */
  idempotent?: boolean;
  /** The GraphQL operation this route runs (always the same document). */
  document: string;
  variables(input: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: B extends z.ZodType ? z.infer<B> : undefined;
    idempotencyKey: string | null;
  }): Record<string, unknown>;
  /** Maps the operation's data to the response; null means the resource does not exist for this caller. */
  respond(data: Record<string, unknown>): RouteResponse | null;
  notFoundMessage?: string;
  /** Statuses beyond 400/401/403/500 that the operation's errors map to (documented in OpenAPI). */
  errors?: number[];
  response: { status: number; description: string; schema: z.ZodType };
}

export const defineRoute = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(route: RestRoute<P, Q, B>) =>
  route as unknown as RestRoute;
