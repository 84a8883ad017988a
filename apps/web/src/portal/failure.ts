import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

/**
 * How the portal says that something went wrong: a sentence for the person, and the request's reference id (the
 * gateway's `x-request-id`, which its logs carry) to quote to support. Never a stack or a server's internals: the
 * gateway already masks those, and a page that cannot tell what happened says so plainly.
 */

/** A refusal or failure of one of the gateway's REST routes, as its error body and headers tell it. */
export class RestFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly details: string[],
    readonly reference: string | null,
  ) {
    super(message);
  }
}

/** The sentence a failure is shown as, with its reference id when the gateway gave one. */
export function failureSentence(error: unknown): string {
  const withReference = (sentence: string, reference: unknown) =>
    typeof reference === 'string' && reference ? `${sentence} (reference ${reference})` : sentence;
  if (error instanceof RestFailure) {
    const details = error.details.length ? `: ${error.details.join('; ')}` : '';
    return withReference(`${error.message}${details}.`.replace(/\.\.$/, '.'), error.reference);
  }
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    return withReference(first?.message ?? 'The request was refused.', first?.extensions?.requestId);
  }
  if (ServerError.is(error)) {
    return withReference(
      `The server could not answer (HTTP ${error.statusCode}). Try again in a moment.`,
      error.response.headers.get('x-request-id'),
    );
  }
  return 'The portal could not reach the server. Check your connection and try again.';
}

/** A mutation's user errors as one sentence for the page, or null when there are none. */
export const refusal = (errors: ReadonlyArray<{ message: string }> | undefined | null) =>
  errors?.length ? errors.map((e) => e.message).join(' ') : null;

/**
 * Calls one of the gateway's REST routes as the signed-in person (the session cookie goes by itself): JSON in and
 * out; a refusal is thrown as a {@link RestFailure}.
 */
export async function restCall<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reference = response.headers.get('x-request-id');
  const answer = (await response.json().catch(() => null)) as (T & { message?: string; details?: string[] }) | null;
  if (!response.ok) {
    throw new RestFailure(
      answer?.message ?? `The server could not answer (HTTP ${response.status})`,
      response.status,
      answer?.details ?? [],
      reference,
    );
  }
  return answer as T;
}
