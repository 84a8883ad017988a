import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import { TOKEN_HEADER_KEY } from 'graphql-sse';
import type { OperationPayload } from '../operations';

/**
 * Apollo's CSRF rule, as Apollo Server applies it to /graphql: a request a browser could send cross-site without a
 * preflight (GET, or POST with no content type or a form/text one) must carry one of these headers. graphql-sse's
 * token header forces a preflight as well.
 */
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight', TOKEN_HEADER_KEY];
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
export const CSRF_MESSAGE =
  'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a ' +
  "'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, " +
  'text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, ' +
  `apollo-require-preflight, ${TOKEN_HEADER_KEY}`;

export const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });

/** The operation a request carries: its JSON body, or for GET its query string (`variables` as JSON text). */
export function payloadOf(req: Request): OperationPayload | GraphQLError {
  if (req.method === 'GET') {
    const { query, operationName, variables } = req.query as Record<string, unknown>;
    let parsed: unknown = undefined;
    if (typeof variables === 'string' && variables !== '') {
      try {
        parsed = JSON.parse(variables);
      } catch {
        return new GraphQLError('variables is not valid JSON', { extensions: { code: 'BAD_REQUEST' } });
      }
    }
    return { query, operationName, variables: parsed };
  }
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new GraphQLError('The body must be a JSON object with a query', { extensions: { code: 'BAD_REQUEST' } });
  }
  return body;
}

/** Media ranges of an Accept header: type/subtype (lower case) and their parameters. */
function mediaRanges(accept: string | undefined): Array<{ type: string; params: Map<string, string> }> {
  if (!accept) return [];
  return accept.split(',').map((range) => {
    const [type, ...params] = range.split(';');
    return {
      type: type.trim().toLowerCase(),
      params: new Map(
        params.map((param) => {
          const at = param.indexOf('=');
          const name = (at < 0 ? param : param.slice(0, at)).trim().toLowerCase();
          const value =
            at < 0
              ? ''
              : param
                  .slice(at + 1)
                  .trim()
                  .replace(/^"(.*)"$/, '$1');
          return [name, value] as const;
        }),
      ),
    };
  });
}

export const acceptsMultipartSubscription = (accept: string | undefined) =>
  mediaRanges(accept).some(
    ({ type, params }) => type === 'multipart/mixed' && params.get('subscriptionspec') === '1.0',
  );
export const acceptsEventStream = (accept: string | undefined) =>
  mediaRanges(accept).some(({ type }) => type === 'text/event-stream');
export const acceptsGraphQLResponse = (accept: string | undefined) =>
  mediaRanges(accept).some(({ type }) => type === 'application/graphql-response+json');

/** Whether the request passes Apollo's CSRF rule (above). */
export function preflighted(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') return true;
  const contentType = req.headers['content-type'];
  if (contentType && !SIMPLE_CONTENT_TYPES.has(contentType.split(';')[0].trim().toLowerCase())) return true;
  return PREFLIGHT_HEADERS.some((name) => !!req.headers[name]);
}
