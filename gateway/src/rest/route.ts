import type { z } from 'zod';

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
  tags: string[];
  /** The OAuth scope the caller's token must hold. */
  scope: string;
  params: P;
  query: Q;
  body?: B;
  /** The GraphQL operation this route runs (always the same document). */
  document: string;
  variables(input: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: B extends z.ZodType ? z.infer<B> : undefined;
  }): Record<string, unknown>;
  /** Maps the operation's data to the response; null means the resource does not exist for this caller. */
  respond(data: Record<string, unknown>): { status: number; body: unknown } | null;
  notFoundMessage?: string;
  response: { status: number; description: string; schema: z.ZodType };
}

export const defineRoute = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(route: RestRoute<P, Q, B>) =>
  route as unknown as RestRoute;
