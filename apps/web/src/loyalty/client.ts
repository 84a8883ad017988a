import { persistedQueryHash, trustedDocuments } from '@pos/client';
import { type Client, createClient } from 'graphql-ws';

/**
 * How the loyalty page talks to the gateway: its one query over HTTP and its one subscription over graphql-ws, each
 * sent by its hash from @pos/client's manifest (so the page works where the gateway requires trusted documents),
 * with the manifest's text only when the gateway does not know the hash, as Apollo's persisted query link does for
 * the portal. The customer's key goes as `X-Api-Key` on every HTTP request and in the socket's connection_init (a
 * browser cannot set headers on a WebSocket); the page holds it in memory only. No cookie is sent.
 */

/** A GraphQL error as the gateway answers it. */
export interface GraphError {
  message?: string;
  extensions?: { code?: unknown; retryAfterSeconds?: unknown; [key: string]: unknown };
}

/** A request that did not give the page its data: what the page needs to say why. */
export class RequestFailure extends Error {
  constructor(
    /** Why, as the page tells it apart. */
    readonly kind: 'refused' | 'throttled' | 'unavailable' | 'failed' | 'offline',
    /** The gateway's x-request-id of the request, to quote; null without an answer. */
    readonly reference: string | null,
    /** When `throttled`: the seconds to wait before trying again. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(kind);
    this.name = 'RequestFailure';
  }
}

const codesOf = (errors: readonly GraphError[] | undefined) => (errors ?? []).map((e) => e?.extensions?.code);

/** What a refusal is: the key (unknown, or not a customer's), the address's wrong keys, an outage, or ours. */
function failureOf(status: number, errors: readonly GraphError[] | undefined, reference: string | null) {
  const codes = codesOf(errors);
  if (status === 401 || codes.includes('UNAUTHENTICATED') || codes.includes('FORBIDDEN')) {
    return new RequestFailure('refused', reference);
  }
  if (status === 429 || codes.includes('RATE_LIMITED')) {
    const wait = errors?.find((e) => typeof e?.extensions?.retryAfterSeconds === 'number')?.extensions
      ?.retryAfterSeconds as number | undefined;
    return new RequestFailure('throttled', reference, wait ?? null);
  }
  if (status === 503 || codes.includes('UNAVAILABLE')) return new RequestFailure('unavailable', reference);
  return new RequestFailure('failed', reference);
}

/**
 * Runs one of @pos/client's queries as the customer with `key`: its data, or a {@link RequestFailure}. `T` is the
 * document's generated result type.
 */
export async function query<T>(document: unknown, key: string): Promise<T> {
  const sha256Hash = persistedQueryHash(document);
  const send = async (text?: string) => {
    let response: Response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        credentials: 'omit',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({
          ...(text ? { query: text } : {}),
          extensions: { persistedQuery: { version: 1, sha256Hash } },
        }),
      });
    } catch {
      throw new RequestFailure('offline', null);
    }
    const reference = response.headers.get('x-request-id');
    const body = (await response.json().catch(() => null)) as { data?: T | null; errors?: GraphError[] } | null;
    return { response, reference, body };
  };
  let answer = await send();
  const text = trustedDocuments[`sha256:${sha256Hash}`];
  if (codesOf(answer.body?.errors).includes('PERSISTED_QUERY_NOT_FOUND') && text) answer = await send(text);
  const { response, reference, body } = answer;
  // A field's refusal (FORBIDDEN for a key that is not a customer's) nulls it: any error and no data is a failure.
  const data = body?.data as Record<string, unknown> | null | undefined;
  if (!response.ok || !data || Object.values(data).some((value) => value === null) || body?.errors?.length) {
    throw failureOf(response.status, body?.errors, reference);
  }
  return data as T;
}

/** The socket closed for good: the gateway refused the key (4403) or the connection could not be made at all. */
export class SocketRefused extends Error {
  constructor(readonly code: number) {
    super(`Connection refused (${code})`);
    this.name = 'SocketRefused';
  }
}

export interface LiveHandlers<T> {
  /** Each result's data. */
  next(data: T): void;
  /** The socket is (again) connected: what was sent while it was down is lost, so the page reads everything anew. */
  connected(): void;
  /** The socket dropped; it is being reconnected. */
  dropped(): void;
  /** The stream ended for good: the key was refused (FORBIDDEN, 4403). */
  refused(): void;
}

/** The gateway refuses a key with 4403; anything else is worth another try. */
const REFUSED = 4403;

/**
 * Keeps one of @pos/client's subscriptions open as the customer with `key` over graphql-ws on /graphql: reconnected
 * (with graphql-ws's back-off) whenever the socket drops, and subscribed again a few seconds after the stream ends
 * with an error the gateway says can pass (UNAVAILABLE). Gives back the function that ends it.
 */
export function live<T>(document: unknown, key: string, handlers: LiveHandlers<T>): () => void {
  const sha256Hash = persistedQueryHash(document);
  const text = trustedDocuments[`sha256:${sha256Hash}`];
  let stopped = false;
  let stop = () => {};
  let retry: ReturnType<typeof setTimeout> | null = null;
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
  const client: Client = createClient({
    url,
    connectionParams: { 'X-Api-Key': key },
    retryAttempts: Infinity,
    shouldRetry: (event) => !(typeof event === 'object' && event !== null && (event as CloseEvent).code === REFUSED),
    on: {
      connected: () => handlers.connected(),
      closed: (event) => {
        if (stopped) return;
        if ((event as CloseEvent | undefined)?.code === REFUSED) handlers.refused();
        else handlers.dropped();
      },
    },
  });
  const subscribe = (query: string) => {
    stop = client.subscribe<T>(
      { query, extensions: { persistedQuery: { version: 1, sha256Hash } } },
      {
        next: (result) => {
          if (result.data) handlers.next(result.data);
          const codes = codesOf(result.errors);
          if (codes.includes('FORBIDDEN') || codes.includes('UNAUTHENTICATED')) handlers.refused();
        },
        error: (error: unknown) => {
          if (stopped) return;
          const codes = Array.isArray(error) ? codesOf(error as GraphError[]) : [];
          if (query === '' && text && codes.includes('PERSISTED_QUERY_NOT_FOUND')) return subscribe(text);
          if (codes.includes('FORBIDDEN') || codes.includes('UNAUTHENTICATED')) return handlers.refused();
          // A closed socket is graphql-ws's to reconnect (or refused above); the stream's own end is ours to renew.
          if (!Array.isArray(error)) return;
          handlers.dropped();
          retry = setTimeout(() => {
            retry = null;
            if (stopped) return;
            handlers.connected();
            subscribe('');
          }, 3_000);
        },
        complete: () => undefined,
      },
    );
  };
  subscribe('');
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    stop();
    void client.dispose();
  };
}
