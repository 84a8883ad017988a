import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO, SCOPES } from '@pos/kit';
import { portalHeaders, portalSignIn } from '../support/portal';
import { restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

const STANDARD = DEMO.loyaltyOrgs.find((org) => org.apiKey === 'demo-loyalty-standard')!;
const SETTINGS = 'earnRatio preset stampsPerCard maxStampsPerEarn rewardName';
const PROGRAMS = `{ loyaltyPrograms { id name ${SETTINGS} } }`;
const UPDATE = `mutation($input: UpdateLoyaltyProgramInput!) {
  updateLoyaltyProgram(input: $input) {
    userErrors { code field message }
    program { id ${SETTINGS} }
    change { actorKind actorId before { ${SETTINGS} } after { ${SETTINGS} } }
  }
}`;
const CHANGES = `query { loyaltyPrograms { id changes(first: 5) { totalCount nodes { actorKind actorId createdAt
  before { earnRatio rewardName } after { earnRatio rewardName } } } } }`;

/**
 * A merchant's loyalty program settings (earn ratio, PIN preset, stamp card), changed by the partner's admin through
 * the graph with the portal's session: validated, audited, in effect on the next earn, and nobody else's to change.
 */
describe('loyalty programs (merchant settings)', () => {
  let stack: Stack;
  let admin: Record<string, string>;
  let developer: Record<string, string>;
  let otherAdmin: Record<string, string>;
  beforeAll(async () => {
    // Short, so that a revoked POS key is seen refused within the test; the default is 30 s.
    stack = await startStack({ gatewayEnv: { AUTH_CACHE_TTL_SECONDS: '0.2' } });
    const as = async (email: string, password: string) =>
      portalHeaders(stack, await portalSignIn(stack, email, password));
    [admin, developer, otherAdmin] = await Promise.all([
      as('admin@demo.example', 'demo-admin-password'),
      as('dev@demo.example', 'demo-dev-password'),
      as('admin@other.example', 'other-admin-password'),
    ]);
  });
  afterAll(() => stack?.close());

  const graphql = async (
    headers: Record<string, string>,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ body: any }> => stack.graphql(query, variables, null, headers);
  const update = (headers: Record<string, string>, input: Record<string, unknown>) =>
    graphql(headers, UPDATE, { input: { id: STANDARD.id, ...input } });
  const call = restClient(
    () => stack,
    () => '',
  );
  const earn = (amount: number, key: string = STANDARD.apiKey) =>
    call('POST', '/webhook/pos', {
      token: null,
      headers: { 'x-api-key': key },
      body: { customer_code: `${STANDARD.prefix}94`, amount, external_id: randomUUID() },
    });
  const keysPath = (program: string = STANDARD.id) => `/pos/v1/loyalty-programs/${program}/pos-keys`;
  const rest = (headers: Record<string, string>, method: 'GET' | 'POST', path: string, body?: unknown) =>
    call(method, path, { token: null, headers, body });

  it('lists the partner’s programs with their settings; another partner sees none of them', async () => {
    const mine = await graphql(admin, PROGRAMS);
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data.loyaltyPrograms.map((p: any) => p.id).sort()).toEqual(
      DEMO.loyaltyOrgs.map((org) => org.id).sort(),
    );
    const theirs = await graphql(otherAdmin, PROGRAMS);
    expect(theirs.body.data.loyaltyPrograms).toEqual([]);
    const foreign = await update(otherAdmin, { earnRatio: 5 });
    expect(foreign.body.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('sets the earn ratio to 2.0: the next earn gives twice the points, and the change is audited', async () => {
    const before = (await earn(10)).body.data.points;
    const changed = await update(admin, { earnRatio: 2 });
    expect(changed.body.errors).toBeUndefined();
    const payload = changed.body.data.updateLoyaltyProgram;
    expect(payload.userErrors).toEqual([]);
    expect(payload.program.earnRatio).toBe(2);
    expect(payload.change).toEqual({
      actorKind: 'person',
      actorId: expect.any(String),
      before: expect.objectContaining({ earnRatio: 1 }),
      after: expect.objectContaining({ earnRatio: 2 }),
    });
    const after = (await earn(10)).body.data.points;
    expect(after - before).toBe(20);

    const trail = await graphql(admin, CHANGES);
    const standard = trail.body.data.loyaltyPrograms.find((p: any) => p.id === STANDARD.id);
    expect(standard.changes.totalCount).toBeGreaterThanOrEqual(1);
    expect(standard.changes.nodes[0]).toEqual(
      expect.objectContaining({ actorKind: 'person', before: expect.objectContaining({ earnRatio: 1 }) }),
    );
    expect((await update(admin, { earnRatio: 1 })).body.data.updateLoyaltyProgram.userErrors).toEqual([]);
  });

  it('refuses settings out of bounds, naming each field, and applies none of them', async () => {
    const before = (await graphql(admin, PROGRAMS)).body.data.loyaltyPrograms.find((p: any) => p.id === STANDARD.id);
    const refused = await update(admin, {
      earnRatio: 1.23456,
      stampsPerCard: 0,
      rewardName: ' ',
      preset: 'STRICT',
    });
    expect(refused.body.errors).toBeUndefined();
    const payload = refused.body.data.updateLoyaltyProgram;
    expect(payload.program).toBeNull();
    expect(payload.userErrors).toEqual([
      { code: 'VALIDATION', field: ['input', 'earnRatio'], message: 'at most 4 decimals' },
      { code: 'VALIDATION', field: ['input', 'stampsPerCard'], message: 'must be from 1 to 50' },
      {
        code: 'VALIDATION',
        field: ['input', 'maxStampsPerEarn'],
        message: 'must be from 1 to the stamps per card (0)',
      },
      { code: 'VALIDATION', field: ['input', 'rewardName'], message: 'must be 1 to 100 characters' },
    ]);
    const now = (await graphql(admin, PROGRAMS)).body.data.loyaltyPrograms.find((p: any) => p.id === STANDARD.id);
    expect(now).toEqual(before);
  });

  it('is not a developer’s, nor an M2M token’s without tilt/loyalty:admin', async () => {
    for (const query of [PROGRAMS, UPDATE]) {
      const refused = await graphql(developer, query, { input: { id: STANDARD.id, earnRatio: 3 } });
      expect(refused.body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    const token = await stack.token('demo-partner', 'demo-secret', SCOPES.posRead);
    const m2m: { body: any } = await stack.graphql(PROGRAMS, {}, token);
    expect(m2m.body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    // A client granted the scope may.
    const admin2 = await stack.token('demo-partner', 'demo-secret', SCOPES.loyaltyAdmin);
    expect(((await stack.graphql(PROGRAMS, {}, admin2)) as { body: any }).body.data.loyaltyPrograms).toHaveLength(
      DEMO.loyaltyOrgs.length,
    );
    // A customer's dashboard key reaches its org, never its audit trail.
    const customer: { body: any } = await stack.graphql(
      '{ loyaltyDashboard { customer { org { changes { totalCount } } } } }',
      {},
      null,
      { 'x-api-key': `demo-customer-${STANDARD.prefix}93` },
    );
    expect(customer.body.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('issues a POS key once, which works at the loyalty API until it is revoked; both audited', async () => {
    const issued = await rest(admin, 'POST', keysPath(), { label: 'Front till' });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      program_id: STANDARD.id,
      label: 'Front till',
      active: true,
      created_at: expect.any(String),
      revoked_at: null,
      key: expect.stringMatching(/^lk_[A-Za-z0-9_-]{43}$/),
    });
    expect((await earn(5, issued.body.key)).status).toBe(200);
    const listed = await rest(admin, 'GET', keysPath());
    expect(listed.body.data).toContainEqual({ ...issued.body, key: undefined });
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.key);

    const revoked = await rest(admin, 'POST', `${keysPath()}/${issued.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual(expect.objectContaining({ active: false, revoked_at: expect.any(String) }));
    await sleep(300);
    expect((await earn(5, issued.body.key)).status).toBe(401);
    expect((await earn(5)).status).toBe(200);

    const trail = await rest(admin, 'GET', '/pos/v1/audit-events');
    const mine = trail.body.data.filter((e: any) => e.target.id === issued.body.id);
    expect(mine.map((e: any) => [e.action, e.actor.name])).toEqual([
      ['pos_key.revoked', 'admin@demo.example'],
      ['pos_key.issued', 'admin@demo.example'],
    ]);
    expect(JSON.stringify(trail.body)).not.toContain(issued.body.key);
  });

  it('keeps POS keys to the partner’s loyalty administrators', async () => {
    expect((await rest(developer, 'POST', keysPath(), { label: 'x' })).status).toBe(403);
    expect((await rest(developer, 'GET', keysPath())).status).toBe(403);
    const foreign = await rest(otherAdmin, 'POST', keysPath(), { label: 'x' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.message).toBe('Loyalty program not found');
    expect((await rest(otherAdmin, 'GET', keysPath())).status).toBe(404);
    const bad = await rest(admin, 'POST', keysPath('not-a-uuid'), { label: '' });
    expect(bad.status).toBe(400);
    const unknown = await rest(admin, 'POST', `${keysPath()}/${randomUUID()}/revoke`);
    expect(unknown.status).toBe(404);
  });
});
