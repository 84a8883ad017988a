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
