import { setTimeout as sleep } from 'node:timers/promises';
import { OPERATOR_SCOPES, PERSON_SCOPES, SCOPES } from '@pos/kit';
import { portalHeaders, portalSignIn } from '../support/portal';
import { restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';
import { validateOpenApi } from '../support/openapi';

// Short, so that a disabled client's tokens are seen refused within the test; the default is 30 s.
const AUTH_CACHE_TTL_SECONDS = 0.2;
const afterCacheExpiry = () => sleep(AUTH_CACHE_TTL_SECONDS * 1000 + 50);

/**
 * A partner's API clients, managed by its people with the portal's session: created with the scopes their role and
 * partner allow, the secret shown once, rotated with an overlap, disabled, every change audited, and nothing of
 * another partner's in reach.
 */
describe('API clients (portal people)', () => {
  let stack: Stack;
  let admin: Record<string, string>;
  let developer: Record<string, string>;
  let otherAdmin: Record<string, string>;
  let operator: Record<string, string>;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { AUTH_CACHE_TTL_SECONDS: String(AUTH_CACHE_TTL_SECONDS) } });
    const as = async (email: string, password: string) =>
      portalHeaders(stack, await portalSignIn(stack, email, password));
    [admin, developer, otherAdmin, operator] = await Promise.all([
      as('admin@demo.example', 'demo-admin-password'),
      as('dev@demo.example', 'demo-dev-password'),
      as('admin@other.example', 'other-admin-password'),
      as('ops@tilt.example', 'demo-ops-password'),
    ]);
  });
  afterAll(() => stack?.close());

  const call = restClient(
    () => stack,
    () => '',
  );
  const as = (headers: Record<string, string>) => (method: 'GET' | 'POST', path: string, body?: unknown) =>
    call(method, path, { token: null, headers, body });
  const tokenFor = async (clientId: string, clientSecret: string, scope?: string) => {
    const response = await fetch(`${stack.origin}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        ...(scope ? { scope } : {}),
      }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const create = (headers: Record<string, string>, scopes: string[], name = 'Reporting') =>
    as(headers)('POST', '/pos/v1/api-clients', { name, scopes });

  it('creates a client with chosen scopes: the secret once, a working token of those scopes only', async () => {
    const created = await create(admin, [SCOPES.posRead, SCOPES.loyaltyAdmin], 'Back office');
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toEqual({
      client_id: expect.stringMatching(/^[a-z2-7]{26}$/),
      name: 'Back office',
      scopes: [SCOPES.posRead, SCOPES.loyaltyAdmin],
      active: true,
      created_at: expect.stringMatching(/^\d{4}-/),
      previous_secret_expires_at: null,
      client_secret: expect.stringMatching(/^cs_[A-Za-z0-9_-]{43}$/),
    });
    const token = await tokenFor(created.body.client_id, created.body.client_secret);
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe(`${SCOPES.posRead} ${SCOPES.loyaltyAdmin}`);
    expect((await tokenFor(created.body.client_id, created.body.client_secret, SCOPES.posPayments)).status).toBe(400);
    // The token reads the partner's data.
    const locations = await call('GET', '/pos/v1/locations', { token: token.body.access_token });
    expect(locations.status).toBe(200);

    // Listed without any secret; only the stored hash is kept.
    const listed = await as(admin)('GET', '/pos/v1/api-clients');
    expect(listed.status).toBe(200);
    const row = listed.body.data.find((c: any) => c.client_id === created.body.client_id);
    expect(row).toEqual({ ...created.body, client_secret: undefined });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.client_secret);
    const [stored] = await stack.gateway.orm.em
      .getConnection()
      .execute(`select secret_hash from identity.api_client where client_id = ?`, [created.body.client_id]);
    expect(stored.secret_hash).toMatch(/^scrypt\$/);
  });

  it('grants only what the role allows and the partner holds; an operator scope never', async () => {
    const mine = await as(developer)('GET', '/pos/v1/api-clients');
    expect(mine.status).toBe(200);
    expect(mine.body.grantable_scopes).not.toContain(SCOPES.loyaltyAdmin);
    expect(mine.body.grantable_scopes).toContain(SCOPES.webhooksSubscribe);
    expect((await as(admin)('GET', '/pos/v1/api-clients')).body.grantable_scopes).toContain(SCOPES.loyaltyAdmin);

    const before = (await as(admin)('GET', '/pos/v1/api-clients')).body.data.length;
    const loyaltyAdmin = await create(developer, [SCOPES.posRead, SCOPES.loyaltyAdmin]);
    expect(loyaltyAdmin.status).toBe(403);
    expect(loyaltyAdmin.body.code).toBe('scope_not_grantable');
    expect(loyaltyAdmin.body.details).toEqual([expect.stringContaining(`scopes: ${SCOPES.loyaltyAdmin} is not yours`)]);
    for (const scope of [OPERATOR_SCOPES.webhooksAdmin, PERSON_SCOPES.clientsAdmin]) {
      const refused = await create(admin, [scope]);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('scope_not_grantable');
    }
    // Not a scope at all, no scope, an unknown field: 400 with every problem.
    const bad = await as(admin)('POST', '/pos/v1/api-clients', { name: '', scopes: ['everything'], extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(
      expect.arrayContaining([expect.stringMatching(/^body\.name/), expect.stringMatching(/^body\.scopes\.0/)]),
    );
    expect((await as(admin)('GET', '/pos/v1/api-clients')).body.data).toHaveLength(before);

    // The developer may make an integration client.
    expect((await create(developer, [SCOPES.webhooksSubscribe])).status).toBe(201);
  });

  it('rotates the secret: the old one works for the chosen overlap, then only the new one', async () => {
    const created = await create(admin, [SCOPES.posRead]);
    const id = created.body.client_id;
    const first = created.body.client_secret;
    const rotated = await as(admin)('POST', `/pos/v1/api-clients/${id}/rotate-secret`, { overlap_seconds: 3600 });
    expect(rotated.status).toBe(200);
    const second = rotated.body.client_secret;
    expect(second).not.toBe(first);
    expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect((await tokenFor(id, first)).status).toBe(200);
    expect((await tokenFor(id, second)).status).toBe(200);

    // A rotation without overlap: the secret before stops at once, and the one before that too.
    const third = (await as(admin)('POST', `/pos/v1/api-clients/${id}/rotate-secret`, { overlap_seconds: 0 })).body;
    expect(third.previous_secret_expires_at).toBeNull();
    expect((await tokenFor(id, third.client_secret)).status).toBe(200);
    expect((await tokenFor(id, second)).status).toBe(401);
    expect((await tokenFor(id, first)).status).toBe(401);

    const tooLong = await as(admin)('POST', `/pos/v1/api-clients/${id}/rotate-secret`, { overlap_seconds: 8 * 86400 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.details).toEqual([expect.stringMatching(/^body\.overlap_seconds/)]);
  });

  it('disables a client: no new token, its tokens refused; enabling restores it', async () => {
    const created = await create(developer, [SCOPES.posRead]);
    const id = created.body.client_id;
    const token = (await tokenFor(id, created.body.client_secret)).body.access_token;
    const disabled = await as(developer)('POST', `/pos/v1/api-clients/${id}`, { active: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);
    expect((await tokenFor(id, created.body.client_secret)).status).toBe(401);
    await afterCacheExpiry();
    expect((await call('GET', '/pos/v1/locations', { token })).status).toBe(401);

    expect((await as(developer)('POST', `/pos/v1/api-clients/${id}`, { active: true, name: 'Again' })).body).toEqual(
      expect.objectContaining({ active: true, name: 'Again' }),
    );
    expect((await tokenFor(id, created.body.client_secret)).status).toBe(200);
  });

  it('audits every change: who, when, before and after, never a secret', async () => {
    const created = await create(admin, [SCOPES.posRead], 'Audited');
    const id = created.body.client_id;
    await as(admin)('POST', `/pos/v1/api-clients/${id}/rotate-secret`, {});
    await as(developer)('POST', `/pos/v1/api-clients/${id}`, { active: false });
    const trail = await as(admin)('GET', '/pos/v1/audit-events?limit=200');
    expect(trail.status).toBe(200);
    const mine = trail.body.data.filter((e: any) => e.target.id === id);
    expect(mine.map((e: any) => [e.action, e.actor.name])).toEqual([
      ['api_client.disabled', 'dev@demo.example'],
      ['api_client.secret_rotated', 'admin@demo.example'],
      ['api_client.created', 'admin@demo.example'],
    ]);
    expect(mine[0]).toEqual(
      expect.objectContaining({
        actor: { kind: 'person', id: expect.any(String), name: 'dev@demo.example' },
        target: { type: 'api_client', id },
        before: expect.objectContaining({ active: true, name: 'Audited' }),
        after: expect.objectContaining({ active: false, name: 'Audited' }),
      }),
    );
    expect(mine[2].before).toBeNull();
    expect(JSON.stringify(trail.body)).not.toMatch(/scrypt|cs_/);
    // Another partner's trail holds none of it.
    const theirs = await as(otherAdmin)('GET', '/pos/v1/audit-events');
    expect(theirs.body.data.some((e: any) => e.target.id === id)).toBe(false);
  });

  it('keeps every partner to its own clients; only its people, from the portal’s pages, manage them', async () => {
    const created = await create(admin, [SCOPES.posRead]);
    const id = created.body.client_id;
    const theirs = await as(otherAdmin)('GET', '/pos/v1/api-clients');
    expect(theirs.body.data.map((c: any) => c.client_id)).not.toContain(id);
    expect(theirs.body.data.map((c: any) => c.client_id)).not.toContain('demo-partner');
    for (const path of [`/pos/v1/api-clients/${id}`, `/pos/v1/api-clients/${id}/rotate-secret`]) {
      const refused = await as(otherAdmin)('POST', path, path.endsWith('secret') ? {} : { active: false });
      expect(refused.status).toBe(404);
    }
    expect((await tokenFor(id, created.body.client_secret)).status).toBe(200);

    // An operator manages no partner's clients; a partner's M2M token cannot make clients; nor a cross-site page.
    expect((await as(operator)('GET', '/pos/v1/api-clients')).status).toBe(403);
    const m2m = await call('POST', '/pos/v1/api-clients', {
      token: await stack.token(),
      body: { name: 'x', scopes: [SCOPES.posRead] },
    });
    expect(m2m.status).toBe(403);
    const crossSite = await call('POST', '/pos/v1/api-clients', {
      token: null,
      headers: { ...admin, origin: 'https://evil.example' },
      body: { name: 'x', scopes: [SCOPES.posRead] },
    });
    expect(crossSite.status).toBe(403);
    expect((await call('GET', '/pos/v1/api-clients', { token: null })).status).toBe(401);
  });

  it('describes the routes in the OpenAPI document, which stays valid OpenAPI 3.1', async () => {
    const { body } = await call('GET', '/pos/v1/.well-known/openapi.json', { token: null });
    const createOp = body.paths['/pos/v1/api-clients'].post;
    expect(createOp.security).toEqual([{ portalSession: [] }]);
    expect(createOp.requestBody.content['application/json'].schema.required).toEqual(['name', 'scopes']);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/pos/v1/api-clients/{client_id}',
        '/pos/v1/api-clients/{client_id}/rotate-secret',
        '/pos/v1/audit-events',
      ]),
    );
    expect(body.components.securitySchemes.portalSession).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'pos_portal_session' }),
    );
    expect(validateOpenApi(body)).toEqual({ valid: true });
  });
});
