import { type Stack, startStack } from '../support/stack';

describe('REST facade: partner API v1 locations', () => {
  let stack: Stack;
  let demo: string;
  let other: string;
  beforeAll(async () => {
    stack = await startStack();
    [demo, other] = await Promise.all([stack.token(), stack.token('other-partner', 'other-secret')]);
  });
  afterAll(() => stack?.close());

  const get = async (path: string, token?: string) => {
    const response = await fetch(`${stack.origin}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, body: (await response.json()) as any, headers: response.headers };
  };
  const errorBody = (status: number, message: string) => ({
    status,
    code: expect.any(String),
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    message,
    details: expect.any(Array),
  });

  it("lists only the caller's locations", async () => {
    const mine = await get('/pos/v1/locations', demo);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({
      data: [
        { id: 1, name: 'Demo Bistro Downtown', timezone: 'America/New_York', created_at: expect.any(String) },
        { id: 2, name: 'Demo Bistro Airport', timezone: 'America/New_York', created_at: expect.any(String) },
      ],
    });
    const theirs = await get('/pos/v1/locations', other);
    expect(theirs.body.data.map((l: { id: number }) => l.id)).toEqual([3]);
  });

  it("gets one location, and answers 404 for another partner's", async () => {
    expect((await get('/pos/v1/locations/2', demo)).body).toMatchObject({ id: 2, name: 'Demo Bistro Airport' });
    const foreign = await get('/pos/v1/locations/1', other);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ ...errorBody(404, 'Location not found'), details: [] });
    expect((await get('/pos/v1/locations/999', demo)).status).toBe(404);
  });

  it('requires a bearer token with the read scope', async () => {
    const anonymous = await get('/pos/v1/locations');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(errorBody(401, 'Unauthorized'));
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const narrow = await stack.token('demo-partner', 'demo-secret', 'tilt/webhooks:subscribe');
    const forbidden = await get('/pos/v1/locations', narrow);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.details).toEqual(['The access token lacks the scope tilt/pos:read']);
  });

  it.each([
    ['/pos/v1/locations/abc', 'path.id: id must be a positive integer'],
    ['/pos/v1/locations/0', 'path.id: id must be a positive integer'],
    ['/pos/v1/locations/1.5', 'path.id: id must be a positive integer'],
    ['/pos/v1/locations/99999999999999999999', 'path.id: id must be a positive integer'],
    ['/pos/v1/locations?page=2', 'query: Unrecognized key: "page"'],
    ['/pos/v1/locations/1?filter[x]=1', 'query: Unrecognized key: "filter[x]"'],
  ])('answers 400 with a clear body for %s', async (path, detail) => {
    const { status, body } = await get(path, demo);
    expect(status).toBe(400);
    expect(body).toEqual({ ...errorBody(400, 'Validation error'), details: [detail] });
  });

  it('answers a malformed JSON body with a JSON 400, never an HTML page or a stack trace', async () => {
    // (/graphql answers it in GraphQL's own shape: test/e2e/hardening.test.ts.)
    const response = await fetch(`${stack.origin}/pos/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo}` },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toMatch(/at .*\.js:\d+|node_modules/);
    expect(JSON.parse(text)).toEqual({ ...errorBody(400, 'Validation error'), details: ['body: malformed JSON'] });
  });

  it('answers unknown paths with a JSON 404', async () => {
    const { status, body } = await get('/pos/v1/nothing-here', demo);
    expect(status).toBe(404);
    expect(body).toMatchObject({ status: 404, message: 'Not found' });
  });

  it('serves an OpenAPI 3.1 document generated from the route table', async () => {
    const { status, body } = await get('/pos/v1/.well-known/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual([
      '/pos/v1/locations',
      '/pos/v1/locations/{id}',
      '/pos/v1/orders',
      '/pos/v1/orders/{id}',
      '/pos/v1/orders/{id}/payments',
      '/pos/v1/orders/{id}/payments/{paymentId}/void',
      '/pos/v1/orders/{id}/payments/{paymentId}/refunds',
      '/pos/v1/webhook-endpoints',
      '/pos/v1/webhook-endpoints/{id}',
      '/pos/v1/webhook-endpoints/{id}/rotate-secret',
      '/pos/v1/webhook-endpoints/{id}/deliveries',
      '/pos/v1/webhook-deliveries/{id}/replay',
      '/pos/v2/{locationId}/checks',
      '/pos/v2/{locationId}/checks/{posRef}',
      '/pos/v2/{locationId}/checks/{posRef}/pay',
      '/webhook/pos',
      '/webhook/redeem',
      '/webhook/coupons/redeem',
      '/pos/v1/launch-tokens',
      '/pos/v1/public/launch-exchange',
      '/pos/v1/api-clients',
      '/pos/v1/api-clients/{client_id}',
      '/pos/v1/api-clients/{client_id}/rotate-secret',
      '/pos/v1/audit-events',
      '/pos/v1/loyalty-programs/{program_id}/pos-keys',
      '/pos/v1/loyalty-programs/{program_id}/pos-keys/{key_id}/revoke',
      '/pos/v1/public/hosted-checkout',
      '/pos/v1/public/hosted-checkout/pay',
      '/pos/v1/public/hosted-checkout/cancel',
    ]);
    const getLocation = body.paths['/pos/v1/locations/{id}'].get;
    expect(getLocation.security).toEqual([{ oauth2: ['tilt/pos:read'] }, { posUser: [] }]);
    expect(getLocation.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(Object.keys(getLocation.responses)).toEqual(['200', '400', '401', '403', '404', '429', '500']);
    expect(getLocation.responses['200'].content['application/json'].schema.required).toEqual([
      'id',
      'name',
      'timezone',
      'created_at',
    ]);
    expect(body.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toMatch(/\/oauth2\/token$/);
    const asyncapi = await get('/pos/v1/.well-known/asyncapi.json');
    expect(asyncapi.body.asyncapi).toBe('3.0.0');
  });
});
