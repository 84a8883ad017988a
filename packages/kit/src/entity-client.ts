import { SpanKind } from '@opentelemetry/api';
import type { GraphQLFormattedError } from 'graphql';
import { DomainError, ErrorCode } from './errors';
import { INTERNAL_CONTEXT_HEADER, type Principal, REQUEST_ID_HEADER, signInternalContext } from './internal-auth';
import { traceHeaders, withSpan } from './tracing';

/**
 * Reads entities another subgraph owns, through that subgraph's `_entities` field: what a service needs from
 * another comes through the graph, never from its tables. The call carries the caller's own signed
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
    const data = await this.post<{ _entities?: Array<T | null> }>(principal, requestId, {
      span: `_entities ${typename}`,
      owner: typename,
      query,
      variables: { r: [representation] },
      refusals: false,
    });
    if (!data._entities) throw unavailable(typename, new Error('no _entities in the answer'));
    return data._entities[0] ?? null;
  }

  /**
   * Runs one operation on the owning subgraph itself, as the caller: how server-side code reaches the fields that are
   * `@inaccessible` in the public graph (a reservation on a check, a hosted checkout's completion), which no client
   * can execute through the gateway. A refusal the owner answers with a public error code is thrown again as the
   * same {@link DomainError} (code, reason, details, data), so the caller's transport maps it like its own.
   * `owner` names the subgraph's entity in the error a failed call gives (`Check`, `Order`).
   */
  async execute<T>(
    principal: Principal,
    requestId: string,
    owner: string,
    document: string,
    variables: Record<string, unknown>,
  ): Promise<T> {
    return this.post<T>(principal, requestId, {
      span: `operation ${owner}`,
      owner,
      query: document,
      variables,
      refusals: true,
    });
  }

  private async post<T>(principal: Principal, requestId: string, call: OwnerCall): Promise<T> {
    const { span, owner, query, variables, refusals } = call;
    // A client span whose traceparent the owner's server span continues (only inside a traced request).
    return withSpan(
      span,
      { kind: SpanKind.CLIENT, childOnly: true, attributes: { 'url.full': this.url, 'pos.entity.type': owner } },
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
            body: JSON.stringify({ query, variables }),
            signal: AbortSignal.timeout(this.timeoutMs),
          });
        } catch (error) {
          throw unavailable(owner, error);
        }
        const body = (await response.json().catch(() => null)) as {
          data?: T | null;
          errors?: GraphQLFormattedError[];
        } | null;
        const refusal = refusals ? body?.errors?.map(domainErrorOf).find((error) => error !== null) : undefined;
        if (refusal) throw refusal;
        if (!response.ok || !body?.data || body.errors?.length) {
          throw unavailable(owner, new Error(`status ${response.status}: ${JSON.stringify(body?.errors ?? body)}`));
        }
        return body.data;
      },
    );
  }
}

interface OwnerCall {
  /** The client span's name. */
  span: string;
  /** The owner's entity type, named in the error a failed call gives. */
  owner: string;
  query: string;
  variables: Record<string, unknown>;
  /** Whether the owner's refusals are thrown as theirs; reads treat any error as the owner being unavailable. */
  refusals: boolean;
}

/** The owner's expected refusal (a public code other than an outage or a bug) as the DomainError it was there. */
function domainErrorOf(error: GraphQLFormattedError): DomainError | null {
  const { code, reason, details, ...data } = (error.extensions ?? {}) as Record<string, unknown>;
  if (typeof code !== 'string' || !(Object.values(ErrorCode) as string[]).includes(code)) return null;
  if (code === ErrorCode.INTERNAL_SERVER_ERROR || code === ErrorCode.UNAVAILABLE) return null;
  return new DomainError(
    code as ErrorCode,
    error.message,
    Array.isArray(details) ? details.map(String) : [],
    typeof reason === 'string' ? reason : undefined,
    Object.keys(data).length ? data : undefined,
  );
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
