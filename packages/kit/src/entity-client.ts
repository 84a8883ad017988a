import { SpanKind } from '@opentelemetry/api';
import { DomainError, ErrorCode } from './errors';
import { INTERNAL_CONTEXT_HEADER, type Principal, REQUEST_ID_HEADER, signInternalContext } from './internal-auth';
import { traceHeaders, withSpan } from './tracing';

/**
 * Reads entities another subgraph owns, through that subgraph's `_entities` field: what a service needs from
 * another comes through the graph, never from its tables (DESIGN §1). The call carries the caller's own signed
 * context, so the owner applies its tenancy and location rules: an entity the caller may not see comes back null.
 */
export class EntityClient {
  constructor(
    private readonly url: string,
    private readonly internalSecret: string,
    private readonly timeoutMs = 5_000,
  ) {}

  /**
   * One entity of `typename` by id, or by the fields of another of its keys (e.g. `{location: {id}, posRef}`), with
   * the given selection (e.g. `id totalCents currency`); null when unseen.
   */
  async fetch<T>(
    principal: Principal,
    requestId: string,
    typename: string,
    key: string | Record<string, unknown>,
    selection: string,
  ): Promise<T | null> {
    const representation =
      typeof key === 'string' ? { __typename: typename, id: key } : { __typename: typename, ...key };
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${selection} } } }`;
    // A client span whose traceparent the owner's server span continues (only inside a traced request).
    return withSpan(
      `_entities ${typename}`,
      { kind: SpanKind.CLIENT, childOnly: true, attributes: { 'url.full': this.url, 'pos.entity.type': typename } },
      async () => {
        let response: Response;
        try {
          response = await fetch(this.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              [INTERNAL_CONTEXT_HEADER]: await signInternalContext(this.internalSecret, principal, 60),
              [REQUEST_ID_HEADER]: requestId,
              ...traceHeaders(),
            },
            body: JSON.stringify({ query, variables: { r: [representation] } }),
            signal: AbortSignal.timeout(this.timeoutMs),
          });
        } catch (error) {
          throw unavailable(typename, error);
        }
        const body = (await response.json().catch(() => null)) as {
          data?: { _entities?: Array<T | null> } | null;
          errors?: unknown[];
        } | null;
        if (!response.ok || !body?.data?._entities || body.errors?.length) {
          throw unavailable(typename, new Error(`status ${response.status}: ${JSON.stringify(body?.errors ?? body)}`));
        }
        return body.data._entities[0] ?? null;
      },
    );
  }
}

function unavailable(typename: string, cause: unknown): Error {
  const error = new DomainError(
    ErrorCode.UNAVAILABLE,
    `The service that owns ${typename} is not available; retry later`,
    [],
    'dependency_unavailable',
  );
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}
