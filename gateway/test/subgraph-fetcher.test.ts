import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { subgraphFetcher } from '../src/fetch/fetcher';

describe('subgraphFetcher', () => {
  let server: Server;
  let url: string;
  const agent = new Agent();
  const fetcher = subgraphFetcher(agent);
  const call = (target: string, init: Record<string, unknown>) =>
    (fetcher as unknown as (u: string, i: unknown) => Promise<Record<string, unknown> & Response>)(target, init);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 3000);
        const status = req.url === '/down' ? 503 : 200;
        res.writeHead(status, { 'content-type': 'application/json', 'x-seen': String(req.headers['x-test']) });
        res.end(JSON.stringify({ data: { echo: JSON.parse(body || 'null') } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers what RemoteGraphQLDataSource reads of a fetch Response', async () => {
    const response = await call(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: JSON.stringify({ query: '{ a }' }),
    });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.url).toBe(`${url}/graphql`);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('x-seen')).toBe('yes');
    expect(response.headers.get('x-none')).toBeNull();
    expect(await response.json()).toEqual({ data: { echo: { query: '{ a }' } } });
    const down = await call(`${url}/down`, { method: 'POST', body: '{}' });
    expect([down.ok, down.status, down.statusText]).toEqual([false, 503, 'Service Unavailable']);
    expect(await down.text()).toContain('echo');
  });

  it('fails as fetch does: unreachable is TypeError "fetch failed", a timeout its signal reason', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(call(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{}' })).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
    });
    await expect(
      call(`${url}/slow`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(50) }),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    const timed = subgraphFetcher(agent, { timeoutMs: 50 }) as unknown as (u: string, i: unknown) => Promise<unknown>;
    await expect(timed(`${url}/slow`, { method: 'POST', body: '{}' })).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(timed(`${url}/graphql`, { method: 'POST', body: '{}' })).resolves.toMatchObject({ status: 200 });
  });
});

describe('subgraphFetcher batching', () => {
  let server: Server;
  let url: string;
  /** What the server received: each HTTP request's headers and parsed body. */
  let received: Array<{ headers: Record<string, unknown>; body: unknown }> = [];
  /** What the server answers a batch with, when set: a status and a body, after delayMs. */
  let batchAnswer: { status: number; body: string; delayMs?: number } | null = null;
  /** How long the server takes to answer an operation sent alone. */
  let aloneDelayMs = 0;
  const agent = new Agent();
  type Call = (u: string, i: unknown) => Promise<Record<string, unknown> & Response>;
  /** A fetcher of its own per test: whether a caller has batched lately is part of its state. */
  let batching: Call;
  const read = (id: number, context = 'caller-a', query = 'query($id: ID!) { order(id: $id) { id } }') => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-pos-context': context, 'x-request-id': `req-${id}` },
    body: JSON.stringify({ query, variables: { id } }),
  });
  const answerOf = async (response: Response) => (await response.json()) as { data: { echo: unknown } };
  const variablesOf = (answer: { data: { echo: unknown } }) => (answer.data.echo as { variables: unknown }).variables;
  const shapes = () => received.map((r) => (Array.isArray(r.body) ? r.body.length : 'alone'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const parsed = JSON.parse(body) as unknown;
        received.push({ headers: req.headers, body: parsed });
        if (Array.isArray(parsed) && batchAnswer) {
          const { status, body: answer, delayMs = 0 } = batchAnswer;
          return void setTimeout(
            () => res.writeHead(status, { 'content-type': 'application/json' }).end(answer),
            delayMs,
          );
        }
        const echo = (op: unknown) => ({ data: { echo: op } });
        const answer = () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(Array.isArray(parsed) ? parsed.map(echo) : echo(parsed)));
        if (!Array.isArray(parsed) && aloneDelayMs) setTimeout(answer, aloneDelayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  beforeEach(() => {
    received = [];
    batchAnswer = null;
    aloneDelayMs = 0;
    batching = subgraphFetcher(agent, { maxBatch: 3 }) as unknown as Call;
  });
  afterAll(async () => {
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends the first read at once and the caller's reads issued with it as one batch, each with its own answer", async () => {
    const answers = await Promise.all([1, 2, 3].map((id) => batching(url, read(id)).then(answerOf)));
    expect(answers.map(variablesOf)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(received).toHaveLength(2);
    expect(received[0].body).toEqual(JSON.parse(read(1).body));
    expect(received[1].body).toEqual([2, 3].map((id) => JSON.parse(read(id).body)));
    expect(received[1].headers).toMatchObject({
      'x-pos-context': 'caller-a',
      'x-request-id': 'req-2',
      'x-batch-request-ids': 'req-2,req-3',
    });
    // Having batched, the caller's reads wait for the end of the turn for a while: the first one too.
    received = [];
    const again = await Promise.all([4, 5, 6].map((id) => batching(url, read(id)).then(answerOf)));
    expect(again.map(variablesOf)).toEqual([{ id: 4 }, { id: 5 }, { id: 6 }]);
    expect(shapes()).toEqual([3]);
  });

  it('never puts two callers, or reads issued in different turns, in one batch', async () => {
    await Promise.all([
      batching(url, read(1, 'caller-a')),
      batching(url, read(2, 'caller-b')),
      batching(url, read(3, 'caller-a')),
      batching(url, read(4, 'caller-b')),
    ]);
    expect(shapes()).toEqual(['alone', 'alone', 'alone', 'alone']);
    received = [];
    const first = batching(url, read(1));
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, batching(url, read(2))]);
    expect(shapes()).toEqual(['alone', 'alone']);
    // Reads without a signed context (subgraphs refuse batches without one) are never batched.
    received = [];
    const anonymous = (id: number) => {
      const { 'x-pos-context': _, ...headers } = read(id).headers;
      return { ...read(id), headers };
    };
    await Promise.all([1, 2, 3].map((id) => batching(url, anonymous(id))));
    expect(shapes()).toEqual(['alone', 'alone', 'alone']);
  });

  it('sends mutations alone, at most maxBatch operations in a batch, and nothing batched with maxBatch 1', async () => {
    const mutation = read(9, 'caller-a', 'mutation { pay { id } }');
    await Promise.all([batching(url, mutation), ...[1, 2, 3, 4, 5, 6, 7].map((id) => batching(url, read(id)))]);
    expect(shapes().sort()).toEqual(['alone', 'alone', 3, 3].sort());
    expect(received.filter((r) => !Array.isArray(r.body)).map((r) => r.body)).toContainEqual(JSON.parse(mutation.body));
    const plain = subgraphFetcher(agent) as unknown as Call;
    received = [];
    await Promise.all([1, 2, 3].map((id) => plain(url, read(id))));
    expect(shapes()).toEqual(['alone', 'alone', 'alone']);
  });

  it('sends each operation alone again when the subgraph does not answer the batch (no batching there)', async () => {
    batchAnswer = { status: 400, body: JSON.stringify({ errors: [{ message: 'Operation batching disabled.' }] }) };
    const answers = await Promise.all([1, 2, 3].map((id) => batching(url, read(id)).then(answerOf)));
    expect(answers.map(variablesOf)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(shapes().sort()).toEqual(['alone', 'alone', 'alone', 2].sort());
    // An answer of the wrong length is no answer either (the caller batched lately: all three wait for the turn).
    received = [];
    batchAnswer = { status: 200, body: JSON.stringify([{ data: { echo: 1 } }]) };
    await Promise.all([1, 2, 3].map((id) => batching(url, read(id))));
    expect(shapes()).toEqual([3, 'alone', 'alone', 'alone']);
  });

  it('sends them again alone only within what is left of their time', async () => {
    // undici's timers are coarse (up to about a second late or early), hence seconds: refused as a batch after
    // 2.5 s of a 3 s budget; alone each takes 2 s, well within a fresh 3 s but not within the 0.5 s left.
    const timed = subgraphFetcher(agent, { maxBatch: 3, timeoutMs: 3000 }) as unknown as Call;
    batchAnswer = { status: 400, body: '{}', delayMs: 2500 };
    aloneDelayMs = 2000;
    const settled = await Promise.allSettled([1, 2, 3].map((id) => timed(url, read(id))));
    expect(settled.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : r.value.status))).toEqual([
      200,
      'TimeoutError',
      'TimeoutError',
    ]);
  });

  it('tells every operation of a batch that the subgraph failed it, is unavailable or unreachable, sending none again', async () => {
    for (const status of [503, 500, 429]) {
      received = [];
      batching = subgraphFetcher(agent, { maxBatch: 3 }) as unknown as Call;
      batchAnswer = { status, body: JSON.stringify({ errors: [{ message: 'failed' }] }) };
      const down = await Promise.all([1, 2, 3].map((id) => batching(url, read(id))));
      expect(down.map((r) => r.status)).toEqual([200, status, status]);
      expect(shapes()).toEqual(['alone', 2]);
    }
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const gone = await Promise.allSettled(
      [1, 2, 3].map((id) => batching(`http://127.0.0.1:${port}/graphql`, read(id))),
    );
    expect(gone.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
      'fetch failed',
      'fetch failed',
      'fetch failed',
    ]);
  });
});
