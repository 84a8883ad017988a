import WebSocket from 'ws';
import { pageOrigin, portalSignIn } from '../support/portal';
import { type Stack, startStack } from '../support/stack';

/**
 * A portal person's browser session on the whole system: signed in through /portal/login (authorization code +
 * PKCE at the gateway's issuer), the session cookie is their credential on /graphql over HTTP, SSE and graphql-ws,
 * scoped to their partner, accepted only from the portal's own pages, and gone after sign-out.
 */
describe('portal session on /graphql', () => {
  let stack: Stack;
  let origin: string;
  beforeAll(async () => {
    stack = await startStack();
    // The gateway's public URL (no PUBLIC_URL in the tests): the origin its pages are served from.
    origin = pageOrigin(stack);
  });
  afterAll(() => stack?.close());

  const signIn = (email: string, password: string) => portalSignIn(stack, email, password);

  const graphql = (query: string, headers: Record<string, string>) =>
    fetch(`${stack.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
  const LOCATIONS = '{ locations { nodes { name } } }';

  it('reads the graph as the person, with their partner’s data only', async () => {
    const demo = await signIn('admin@demo.example', 'demo-admin-password');
    const other = await signIn('admin@other.example', 'other-admin-password');
    const names = async (cookie: string) => {
      const res = await graphql(LOCATIONS, { cookie, origin });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { locations: { nodes: { name: string }[] } } };
      return body.data.locations.nodes.map((l) => l.name);
    };
    expect(await names(demo)).toEqual(['Demo Bistro Downtown', 'Demo Bistro Airport']);
    expect(await names(other)).toEqual(['Other Diner']);
    // A same-origin request of the page (no Origin header, Sec-Fetch-Site: same-origin) is the page's too.
    expect((await graphql(LOCATIONS, { cookie: demo, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('refuses the cookie on a request the portal’s pages did not make', async () => {
    const cookie = await signIn('admin@demo.example', 'demo-admin-password');
    const attempts: Record<string, string>[] = [
      { cookie, origin: 'https://evil.example' },
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie },
    ];
    for (const headers of attempts) {
      const res = await graphql(LOCATIONS, headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        errors: [
          {
            message: "A portal session is accepted only from the portal's own pages",
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      });
    }
    // Over SSE too (the same caller check as every /graphql HTTP request), while the page's own stream opens.
    const stream = (from: string) =>
      fetch(`${stack.origin}/graphql`, {
        method: 'POST',
        headers: { cookie, origin: from, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { paymentEvents { type } }' }),
      });
    expect((await stream('https://evil.example')).status).toBe(403);
    const own = await stream(origin);
    expect([own.status, own.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    await own.body?.cancel();
  });

  it('opens a graphql-ws connection from the portal’s origin only', async () => {
    const cookie = await signIn('admin@demo.example', 'demo-admin-password');
    const connect = (from: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`${stack.origin.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
          headers: { cookie, origin: from },
        });
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
        socket.on('message', (data) => {
          resolve(JSON.parse(String(data)).type);
          socket.close();
        });
        socket.on('close', (code) => resolve(`closed ${code}`));
      });
    expect(await connect(origin)).toBe('connection_ack');
    expect(await connect('https://evil.example')).toBe('closed 4403');
  });

  it('ends with sign-out: the same cookie opens nothing afterwards', async () => {
    const cookie = await signIn('ops@tilt.example', 'demo-ops-password');
    expect((await graphql('{ __typename }', { cookie, origin })).status).toBe(200);
    const out = await fetch(`${stack.origin}/portal/logout`, { method: 'POST', headers: { cookie, origin } });
    expect(out.status).toBe(204);
    const after = await graphql('{ __typename }', { cookie, origin });
    expect(after.status).toBe(401);
  });
  it('manages the partner’s webhook endpoints as the person (partner admin), recorded as created by them', async () => {
    const cookie = await signIn('admin@demo.example', 'demo-admin-password');
    const create = (as: string) =>
      graphql(
        `
          mutation {
            createWebhookEndpoint(input: { url: "https://hooks.example/portal", eventTypes: [PAYMENT_APPROVED] }) {
              userErrors {
                code
                message
              }
              secret
              webhookEndpoint {
                id
                url
              }
            }
          }
        `,
        { cookie: as, origin },
      );
    const res = await create(cookie);
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    const created = body.data.createWebhookEndpoint;
    expect(created.userErrors).toEqual([]);
    expect(created.secret).toMatch(/^whsec_/);
    const me = (await (await fetch(`${stack.origin}/portal/session`, { headers: { cookie } })).json()) as any;
    const [row] = await stack.subgraphs.payments.orm.em
      .fork()
      .getConnection()
      .execute<{ tenant_id: string; created_by: string }[]>(
        'select tenant_id, created_by from payments.webhook_endpoint where id = ?',
        [created.webhookEndpoint.id],
      );
    expect(row).toEqual({ tenant_id: 'demo', created_by: me.person.id });
    // The partner's own M2M client sees it: one partner, one set of endpoints.
    const partner = await stack.graphql(
      `query { webhookEndpoints(first: 100) { nodes { id } } }`,
      {},
      await stack.token(),
    );
    expect(partner.body.data!.webhookEndpoints.nodes).toContainEqual({ id: created.webhookEndpoint.id });
    // An operator is no partner's admin: their role holds no webhooks:subscribe.
    const operator = await signIn('ops@tilt.example', 'demo-ops-password');
    expect(((await (await create(operator)).json()) as any).errors[0].extensions.code).toBe('FORBIDDEN');
  });
});
