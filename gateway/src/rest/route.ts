import type { Principal } from '@pos/kit';
import type { z } from 'zod';

/** What a route answers: the status and body, and whether it is the replay of an idempotent request. */
export interface RouteResponse {
  status: number;
  body: unknown;
  replayed?: boolean;
}

/** An order's hosted checkout as the REST response needs it, read by the route's GraphQL operation. */
export interface OrderWithCheckout {
  id: string;
  currency: string;
  total: { amountMinor: number };
  createdAt: string;
  location: { id: string };
  hostedCheckout: { id: string; status: string; expiresAt: string } | null;
}

/** Links only the gateway can mint, with its own keys and public URL, for a route to add to its body. */
export interface RouteLinks {
  /** The signed link to an order's open hosted checkout and its expiry; null when there is none open. */
  hostedCheckout(tenantId: string, order: OrderWithCheckout): Promise<{ url: string; expiresAt: string } | null>;
}

export interface LinkContext {
  principal: Principal;
  links: RouteLinks;
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
  /**
   * For a route over a connection whose `limit` may exceed a page's 100 rows: the connection in the operation's
   * data. The route's variables hold the rows it wants as `first` (Infinity: all of them); the router runs the
   * operation page by page (`first`/`after`) and hands `respond` the first page's data with every row read in the
   * connection's `nodes`.
   */
  pages?(data: Record<string, unknown>): PagedConnection | null;
  /** Rows per page {@link pages} asks for (default the largest, 100): less for rows heavy to cost. */
  pageSize?: number;
  /**
   * User error codes the operation answers beside its result that this route's body reports as its outcome, not
   * as a refusal (createPayment's PAYMENT_DECLINED: the documented 201 with the declined payment).
   */
  outcomes?: readonly string[];
  /** Maps the operation's data to the response; null means the resource does not exist for this caller. */
  respond(data: Record<string, unknown>): RouteResponse | null;
  /**
   * Adds to the body `respond` mapped what only the gateway can make (an order's signed hosted checkout link):
   * presentation after the fact, never a decision about the outcome, which `respond` alone maps.
   */
  addLinks?(body: unknown, data: Record<string, unknown>, context: LinkContext): Promise<unknown>;
  notFoundMessage?: string;
  /** Statuses beyond 400/401/403/500 that the operation's errors map to (documented in OpenAPI). */
  errors?: number[];
  response: { status: number; description: string; schema: z.ZodType };
}

/** What {@link RestRoute.pages} reads of a connection: its rows and where the next page starts. */
export interface PagedConnection {
  nodes: unknown[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const defineRoute = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(route: RestRoute<P, Q, B>) =>
  route as unknown as RestRoute;
