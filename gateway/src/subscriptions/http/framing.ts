import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The transports' names: in spans, log lines and the 400 of a subscription over plain JSON HTTP. */
export const MULTIPART_TRANSPORT = 'multipart-subscription';
export const SSE_TRANSPORT = 'graphql-sse';

export const MULTIPART_HEADERS = {
  'content-type': 'multipart/mixed; boundary="graphql"; subscriptionSpec="1.0"',
  'cache-control': 'no-cache',
  // Proxies that buffer responses (nginx) would hold every event back.
  'x-accel-buffering': 'no',
};
export const MULTIPART_BOUNDARY = '\r\n--graphql';
/** A part's head: every part is JSON. The boundary that ends a part is written with it, so a client reads it at once. */
const PART = '\r\ncontent-type: application/json; charset=utf-8\r\n\r\n';
/** One part of a multipart response, holding `json`. */
export const multipartPart = (json: string) => `${PART}${json}${MULTIPART_BOUNDARY}`;
export const MULTIPART_HEARTBEAT = multipartPart('{}');
export const MULTIPART_CLOSE_DELIMITER = '--\r\n';

export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};
/** A comment line: keeps proxies and clients from timing an idle event stream out. */
export const SSE_KEEP_ALIVE = ':\n\n';
export const sseNext = (data: string) => `event: next\ndata: ${data}\n\n`;
/** graphql-sse's `complete` event: with no data on a distinct stream, the operation's id on a reserved one. */
export const sseComplete = (data?: string) =>
  data === undefined ? 'event: complete\ndata:\n\n' : `event: complete\ndata: ${data}\n\n`;

/** A GraphQLError as a client receives it: never `extensions.http` (what the status and headers already say). */
export function formatted(error: GraphQLError | GraphQLFormattedError): GraphQLFormattedError {
  const json = error instanceof GraphQLError ? error.toJSON() : error;
  if (!json.extensions || !('http' in json.extensions)) return json;
  const { http: _http, ...extensions } = json.extensions;
  return { ...json, extensions };
}
