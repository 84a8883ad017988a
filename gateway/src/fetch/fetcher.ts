import { STATUS_CODES } from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { BATCH_REQUEST_IDS_HEADER, INTERNAL_CONTEXT_HEADER, REQUEST_ID_HEADER } from '@pos/kit';
import type { Dispatcher } from 'undici';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type Init = { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal | null };

type RawHeaders = Record<string, string | string[] | undefined>;

/**
 * What RemoteGraphQLDataSource reads of a fetch Response (`ok`, `status`, `statusText`, `url`, `headers.get`,
 * `json()`, `text()`), over a body already read as text, or already parsed (one answer of a batch).
 */
class SubgraphResponse {
  readonly headers: { get(name: string): string | null };

  constructor(
    readonly url: string,
    readonly status: number,
    readonly raw: RawHeaders,
    private readonly body: string,
    private readonly parsed?: unknown,
  ) {
    this.headers = {
      get: (name) => {
        const value = raw[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return STATUS_CODES[this.status] ?? '';
  }

  json(): Promise<unknown> {
    if (this.parsed !== undefined) return Promise.resolve(this.parsed);
    try {
      return Promise.resolve(JSON.parse(this.body));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  text(): Promise<string> {
    return Promise.resolve(this.parsed !== undefined ? JSON.stringify(this.parsed) : this.body);
  }
}

/**
 * Answers to a batch that mean "not as a batch": a subgraph without batching answers 400, a body too large 413. The
 * batch's operations are then sent again one by one. Any other answer but 200 (a 5xx, a 429, a 401) is every
 * operation's answer: sending them again one by one would multiply the load on a subgraph that is failing.
 */
const NOT_AS_A_BATCH = new Set([400, 413, 415]);

/** A subgraph operation that only reads (RemoteGraphQLDataSource's body starts with the operation's text). */
const isQueryBody = (body: string | undefined): body is string =>
  body !== undefined && (body.startsWith('{"query":"query') || body.startsWith('{"query":"{'));

interface Queued {
  url: string;
  init: Init & { body: string; headers: Record<string, string> };
  resolve(response: SubgraphResponse): void;
  reject(error: unknown): void;
}

export interface SubgraphFetcherOptions {
  /** No answer's headers, or a body stalled, for this long rejects with a TimeoutError. */
  timeoutMs?: number;
  /**
   * Reads sent to one subgraph for the same caller in the same turn of the event loop go as one batched HTTP request
   * (a JSON array, Apollo Server's batching) of at most this many operations; 1 sends every operation alone.
   */
  maxBatch?: number;
}

/** How long after a caller's last batch to a subgraph its next read still waits for the end of the turn. */
const BATCHING_MS = 100;

/** Bytes of operations in one batch at most (the subgraphs take bodies of up to 1 MB). */
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * A fetch for the subgraph data sources over undici's own request API instead of its WHATWG fetch: the fetch
 * machinery (Request and Response objects, web streams, abort controllers, header validation) was about a fifth
 * of the gateway's CPU on the bench's wide read. Same contract for what the data source and its error handling
 * look at: the response above, a failure to reach the subgraph rejects as fetch does (TypeError "fetch failed"
 * with the socket error as its cause), an aborted signal rejects with its reason, and `timeoutMs` without headers (or
 * between two chunks of the body) rejects with a TimeoutError, as AbortSignal.timeout would.
 *
 * With `maxBatch` above 1, reads to the same subgraph with the same headers (so the same caller's signed context;
 * the request id aside) issued in one turn of the event loop are sent together as one HTTP request: the subgraph
 * runs them side by side in one request context, so their DataLoaders load the rows of all of them in one query per
 * table, and the HTTP request, the context check and the connection are paid once (different clients' requests
 * at the same step of their plans: the varied reads of the bench). Each operation still gets its own answer; a
 * batch the subgraph refuses as a batch (400, 413, 415) or does not answer with one answer per operation is sent
 * again one operation at a time, within what is left of the timeout; any other failure (unreachable, a 5xx, a 429)
 * is every operation's. Mutations, and reads without a signed context, are never batched.
 *
 * Batched reads share their fate: the subgraph answers a batch when its slowest operation is done, so a slow read
 * delays the reads batched with it, and one that runs past the timeout fails them too.
 */
export function subgraphFetcher(dispatcher: Dispatcher, options: SubgraphFetcherOptions = {}): Fetcher {
  // undici's own timers (no answer's headers, or a body stalled, for this long) instead of an AbortSignal per fetch.
  const timeoutsOf = (ms: number | undefined) => (ms ? { headersTimeout: ms, bodyTimeout: ms } : {});
  const timeouts = timeoutsOf(options.timeoutMs);
  const maxBatch = options.maxBatch ?? 1;
  const targets = new Map<string, { origin: string; path: string }>();

  /** `timeoutMs`: what is left of the operation's time (options.timeoutMs, unless a batch has used some of it). */
  const send = async (url: string, init: Init = {}, timeoutMs = options.timeoutMs): Promise<SubgraphResponse> => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      targets.set(url, target);
    }
    const signal = init.signal ?? undefined;
    let response: Dispatcher.ResponseData;
    let body: string;
    try {
      response = await dispatcher.request({
        origin: target.origin,
        path: target.path,
        method: init.method ?? 'POST',
        headers: init.headers,
        body: init.body,
        signal,
        ...(timeoutMs === options.timeoutMs ? timeouts : timeoutsOf(timeoutMs)),
      });
      body = await response.body.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const code = (error as { code?: string }).code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new DOMException(`no answer from ${target.origin} within ${timeoutMs} ms`, 'TimeoutError');
      }
      throw new TypeError('fetch failed', { cause: error });
    }
    return new SubgraphResponse(url, response.statusCode, response.headers, body);
  };

  const alone = (op: Queued, timeoutMs?: number) => send(op.url, op.init, timeoutMs).then(op.resolve, op.reject);

  const sendBatch = async (batch: Queued[]): Promise<void> => {
    const started = performance.now();
    const first = batch[0];
    const headers = { ...first.init.headers };
    const ids = batch.map((op) => op.init.headers[REQUEST_ID_HEADER]).filter(Boolean);
    if (ids.length) headers[BATCH_REQUEST_IDS_HEADER] = ids.join(',');
    let response: SubgraphResponse;
    try {
      response = await send(first.url, {
        ...first.init,
        headers,
        body: `[${batch.map((op) => op.init.body).join(',')}]`,
      });
    } catch (error) {
      for (const op of batch) op.reject(error);
      return;
    }
    if (response.status !== 200 && !NOT_AS_A_BATCH.has(response.status)) {
      for (const op of batch) op.resolve(response);
      return;
    }
    const answers: unknown = response.status === 200 ? await response.json().catch(() => null) : null;
    if (Array.isArray(answers) && answers.length === batch.length) {
      batch.forEach((op, i) => op.resolve(new SubgraphResponse(op.url, 200, response.raw, '', answers[i])));
      return;
    }
    // Not answered as a batch (or not one answer per operation): each alone, within what is left of its time.
    const left = options.timeoutMs
      ? Math.max(1, Math.round(options.timeoutMs - (performance.now() - started)))
      : undefined;
    await Promise.all(batch.map((op) => alone(op, left)));
  };

  // HTTP requests (one operation or a batch) each group has on their way to its subgraph, and when each group last
  // sent a batch of more than one operation.
  const inFlight = new Map<string, number>();
  const lastBatchAt = new Map<string, number>();
  const track = (key: string, sending: Promise<unknown>) => {
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    void sending.finally(() => {
      const left = inFlight.get(key)! - 1;
      if (left) inFlight.set(key, left);
      else inFlight.delete(key);
    });
  };

  // Reads waiting for the end of this turn of the event loop, by subgraph and headers.
  let queued = new Map<string, Queued[]>();
  const flush = () => {
    const groups = queued;
    queued = new Map();
    const now = performance.now();
    // Only groups that batched within BATCHING_MS matter; the rest go, so that callers gone (or their signed
    // context renewed, which makes a new group) leave nothing behind.
    for (const [key, at] of lastBatchAt) if (now - at >= BATCHING_MS) lastBatchAt.delete(key);
    for (const [key, group] of groups) {
      if (group.length > 1) lastBatchAt.set(key, now);
      let batch: Queued[] = [];
      let bytes = 0;
      const dispatch = () => track(key, batch.length === 1 ? alone(batch[0]) : sendBatch(batch));
      for (const op of group) {
        if (batch.length && (batch.length === maxBatch || bytes + op.init.body.length > MAX_BATCH_BYTES)) {
          dispatch();
          batch = [];
          bytes = 0;
        }
        batch.push(op);
        bytes += op.init.body.length;
      }
      dispatch();
    }
  };

  const fetcher = (url: string, init: Init = {}): Promise<SubgraphResponse> => {
    // Only reads of a caller with a signed context are batched (subgraphs refuse batches without one).
    if (maxBatch < 2 || init.signal || !init.headers?.[INTERNAL_CONTEXT_HEADER] || !isQueryBody(init.body)) {
      return send(url, init);
    }
    let key = url;
    for (const name in init.headers) if (name !== REQUEST_ID_HEADER) key += `\u0000${name}\u0000${init.headers[name]}`;
    const group = queued.get(key);
    if (!group && !inFlight.has(key) && !(performance.now() - (lastBatchAt.get(key) ?? -Infinity) < BATCHING_MS)) {
      // A read with nothing of its caller's on its way to that subgraph, and no batch of theirs lately, goes at
      // once: the subgraph works on it while the gateway finishes this turn (a dashboard's one shared read must
      // not wait for the turn's other requests). Reads that keep coming together wait for the end of the turn.
      const sending = send(url, init);
      track(
        key,
        sending.catch(() => undefined),
      );
      return sending;
    }
    return new Promise((resolve, reject) => {
      const op = { url, init: init as Queued['init'], resolve, reject };
      if (group) group.push(op);
      else {
        if (queued.size === 0) setImmediate(flush);
        queued.set(key, [op]);
      }
    });
  };
  return fetcher as unknown as Fetcher;
}
