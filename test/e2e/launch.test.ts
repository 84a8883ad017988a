import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LAUNCH_TOKEN_TTL_SECONDS } from '@pos/gateway/src/auth/launch';
import { hashSecret } from '@pos/gateway/src/auth/secrets';
import { POS_APP_CLIENT_ID, ROLES_CLAIM, SESSION_CLAIM } from '@pos/gateway/src/auth/user-tokens';
import { ApiClient, Partner } from '@pos/gateway/src/identity/identity.entities';
import { SCOPES } from '@pos/kit';
import { decodeJwt } from 'jose';
import { Client } from 'pg';
import { type RestAnswer, restClient, v1ErrorBody } from '../support/rest';
import { type Stack, TEST_ISSUER, startStack } from '../support/stack';
import { validateOpenApi } from '../support/openapi';

// Short, so that a revoked session shows within the test; the default is 30 s.
const AUTH_CACHE_TTL_SECONDS = 0.2;
const afterCacheExpiry = () => sleep(AUTH_CACHE_TTL_SECONDS * 1000 + 50);
const CASHIER_SCOPES = [SCOPES.posRead, SCOPES.posOrders, SCOPES.posPayments];
const MANAGER_SCOPES = [...CASHIER_SCOPES, SCOPES.posRefunds];

describe('SSO launch links', () => {
  let stack: Stack;
  let demo: string;
  let other: string;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { AUTH_CACHE_TTL_SECONDS: String(AUTH_CACHE_TTL_SECONDS) } });
    [demo, other] = await Promise.all([stack.token(), stack.token('other-partner', 'other-secret')]);
  });
  afterAll(() => stack?.close());
  afterEach(() => {
    stack.gateway.clock.now = () => new Date();
  });

  const call = restClient(
    () => stack,
    () => demo,
  );
  const email = () => `launch-${randomUUID()}@demo.example`;
  const mint = (body: unknown, token: string | null = demo) => call('POST', '/pos/v1/launch-tokens', { body, token });
  const exchange = (body: unknown) => call('POST', '/pos/v1/public/launch-exchange', { body, token: null });
  /** Mints (expecting 201) and returns the token. */
  const launchToken = async (body: Record<string, unknown>, token = demo) => {
    const minted = await mint(body, token);
    expect(minted.status).toBe(201);
    return minted.body.token as string;
  };
  /** Mints and exchanges (expecting 200), returning the exchange's body. */
  const launch = async (body: Record<string, unknown>, token = demo) => {
    const exchanged = await exchange({ token: await launchToken(body, token) });
    expect(exchanged.status).toBe(200);
    return exchanged.body;
  };
  const refresh = async (refreshToken: string, extra: Record<string, string> = {}) => {
    const response = await fetch(`${stack.origin}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const getLocation = (id: number, token: string) => call('GET', `/pos/v1/locations/${id}`, { token });
  const sql = <T>(query: string, params: unknown[] = []) =>
    stack.gateway.orm.em.getConnection().execute<T[]>(query, params);
  const errorBody = v1ErrorBody;
  const expectNoInternals = (answer: RestAnswer) =>
    expect(JSON.stringify(answer.body)).not.toMatch(/at .*\.[jt]s:\d+|node_modules|SELECT|select /);

  it('mints a launch token: 201 with the token, its launch URL and a 10-minute expiry; only its hash is kept', async () => {
    const before = Date.now();
    const minted = await mint({ location_id: 1, email: 'New.Person@Demo.Example', name: 'New Person' });
    expect(minted.status).toBe(201);
    expect(minted.headers.get('cache-control')).toBe('no-store');
    expect(minted.body).toEqual({
      token: expect.stringMatching(/^lt_[A-Za-z0-9_-]{43}$/),
      launch_url: `http://localhost:${stack.gateway.port}/pos/launch#token=${minted.body.token}`,
      expires_at: expect.any(String),
      expires_in: 600,
      location_id: 1,
      email: 'new.person@demo.example',
      role_slug: 'location_cashier',
    });
    const expiresAt = Date.parse(minted.body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + LAUNCH_TOKEN_TTL_SECONDS * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + LAUNCH_TOKEN_TTL_SECONDS * 1000);

    const rows = await sql<Record<string, unknown>>('select * from identity.launch_token where token_hash = ?', [
      createHash('sha256').update(minted.body.token).digest('hex'),
    ]);
    expect(rows).toEqual([
      expect.objectContaining({
        partner_id: 'demo',
        location_id: 1,
        email: 'new.person@demo.example',
        name: 'New Person',
        role_slug: 'location_cashier',
        created_by_client_id: 'demo-partner',
        used_at: null,
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain(minted.body.token.slice(3));
  });

  it('exchanges it for a session: provisions the user with role_slug at the location, which alone the session opens', async () => {
    const address = email();
    const body = await launch({ location_id: 2, email: address, name: 'Lee Manager', role_slug: 'location_manager' });
    expect(body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^rt_[A-Za-z0-9_-]{43}$/),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: MANAGER_SCOPES.join(' '),
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      session_expires_at: expect.any(String),
      location_id: 2,
      role: 'location_manager',
      user: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: address, name: 'Lee Manager', created: true },
    });
    expect(Date.parse(body.session_expires_at) - Date.now()).toBeGreaterThan(11.9 * 3600 * 1000);
    expect(decodeJwt(body.access_token)).toMatchObject({
      iss: TEST_ISSUER,
      sub: body.user.id,
      token_use: 'access',
      client_id: POS_APP_CLIENT_ID,
      username: address,
      scope: MANAGER_SCOPES.join(' '),
      [ROLES_CLAIM]: [{ location_id: 2, role: 'location_manager' }],
      [SESSION_CLAIM]: body.session_id,
    });

    const roles = await sql('select location_id, role_slug from identity.pos_user_role where user_id = ?', [
      body.user.id,
    ]);
    expect(roles).toEqual([{ location_id: 2, role_slug: 'location_manager' }]);
    const [user] = await sql<{ partner_id: string; email: string; active: boolean }>(
      'select partner_id, email, active from identity.pos_user where id = ?',
      [body.user.id],
    );
    expect(user).toEqual({ partner_id: 'demo', email: address, active: true });

    expect((await getLocation(2, body.access_token)).status).toBe(200);
    expect((await getLocation(1, body.access_token)).status).toBe(404);
    const list = await call('GET', '/pos/v1/locations', { token: body.access_token });
    expect(list.body.data.map((l: { id: number }) => l.id)).toEqual([2]);
    expect(await stack.gateway.verifyAccessToken(body.access_token)).toEqual({
      tenantId: 'demo',
      subject: body.user.id,
      kind: 'user',
      clientId: null,
      scopes: MANAGER_SCOPES,
      locationIds: [2],
    });
  });

  it('refuses a second exchange (token_reused) and revokes the session the first one opened', async () => {
    const token = await launchToken({ location_id: 1, email: email() });
    const first = await exchange({ token });
    expect(first.status).toBe(200);
    expect((await getLocation(1, first.body.access_token)).status).toBe(200);

    const again = await exchange({ token });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({
      ...errorBody(401, 'token_reused'),
      message: 'The launch token was already used',
    });
    const [session] = await sql<{ revoked_at: Date | null; revoked_reason: string | null }>(
      'select revoked_at, revoked_reason from identity.user_session where id = ?',
      [first.body.session_id],
    );
    expect(session.revoked_at).not.toBeNull();
    expect(session.revoked_reason).toBe('launch_token_reused');

    await afterCacheExpiry();
    const revoked = await getLocation(1, first.body.access_token);
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual(errorBody(401, 'unauthorized'));
    const graphql = await stack.graphql('{ locations { nodes { id } } }', {}, first.body.access_token);
    expect(graphql.status).toBe(401);
    const refused = await refresh(first.body.refresh_token);
    expect(refused).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The session has been revoked' },
    });
    // And it stays refused: a third try is a reuse too.
    expect((await exchange({ token })).body.code).toBe('token_reused');
  });

  it('lets one of two concurrent exchanges of a token through, and revokes its session', async () => {
    const token = await launchToken({ location_id: 1, email: email() });
    const answers = await Promise.all([exchange({ token }), exchange({ token })]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    const won = answers.find((a) => a.status === 200)!;
    expect(answers.find((a) => a.status === 401)!.body.code).toBe('token_reused');
    const [session] = await sql<{ revoked_reason: string }>(
      'select revoked_reason from identity.user_session where id = ?',
      [won.body.session_id],
    );
    expect(session.revoked_reason).toBe('launch_token_reused');
    const users = await sql('select id from identity.pos_user where id = ?', [won.body.user.id]);
    expect(users).toHaveLength(1);
  });

  it('refreshes a session with a rotating refresh token; replaying the old one revokes the session', async () => {
    const first = await launch({ location_id: 1, email: email() });
    const rotated = await refresh(first.refresh_token, { client_id: POS_APP_CLIENT_ID });
    expect(rotated).toEqual({
      status: 200,
      body: {
        access_token: expect.any(String),
        refresh_token: expect.stringMatching(/^rt_[A-Za-z0-9_-]{43}$/),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: CASHIER_SCOPES.join(' '),
      },
    });
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(rotated.body.access_token)).toMatchObject({
      sub: first.user.id,
      [SESSION_CLAIM]: first.session_id,
      [ROLES_CLAIM]: [{ location_id: 1, role: 'location_cashier' }],
    });
    expect((await getLocation(1, rotated.body.access_token)).status).toBe(200);

    // The replaced refresh token again: someone holds a copy, so the whole session goes.
    const replay = await refresh(first.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token was already used; the session has been revoked',
    });
    expect((await refresh(rotated.body.refresh_token)).body.error).toBe('invalid_grant');
    await afterCacheExpiry();
    expect((await getLocation(1, rotated.body.access_token)).status).toBe(401);
    expect((await getLocation(1, first.access_token)).status).toBe(401);
  });

  it.each([
    ['the first', 0],
    ['the second', 1],
  ])(
    'treats a session’s refresh tokens as one family: %s of three replayed revokes the session, newest included',
    async (_, replayed) => {
      const first = await launch({ location_id: 1, email: email() });
      const tokens = [first.refresh_token as string];
      let accessToken = first.access_token as string;
      for (let i = 0; i < 2; i++) {
        const rotated = await refresh(tokens[i]);
        expect(rotated.status).toBe(200);
        tokens.push(rotated.body.refresh_token);
        accessToken = rotated.body.access_token;
      }
      expect(new Set(tokens).size).toBe(3);
      expect((await getLocation(1, accessToken)).status).toBe(200);

      // Someone refreshed with a token that was rotated out since: a copy of it exists, so the whole session goes.
      expect(await refresh(tokens[replayed])).toEqual({
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'The refresh token was already used; the session has been revoked',
        },
      });
      const [session] = await sql<{ revoked_at: Date | null; revoked_reason: string | null }>(
        'select revoked_at, revoked_reason from identity.user_session where id = ?',
        [first.session_id],
      );
      expect(session).toEqual({ revoked_at: expect.anything(), revoked_reason: 'refresh_token_reused' });
      for (const token of tokens) {
        expect(await refresh(token)).toEqual({
          status: 400,
          body: { error: 'invalid_grant', error_description: 'The session has been revoked' },
        });
      }
      await afterCacheExpiry();
      expect((await getLocation(1, accessToken)).status).toBe(401);
    },
  );

  it('keeps every refresh token of a session only as its SHA-256', async () => {
    const first = await launch({ location_id: 1, email: email() });
    const second = await refresh(first.refresh_token);
    const tokens = [first.refresh_token as string, second.body.refresh_token as string];
    const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
    const rows = await sql<{ token_hash: string; rotated_at: Date | null }>(
      'select token_hash, rotated_at from identity.refresh_token where session_id = ? order by issued_at, rotated_at',
      [first.session_id],
    );
    expect(rows).toEqual([
      { token_hash: sha256(tokens[0]), rotated_at: expect.anything() },
      { token_hash: sha256(tokens[1]), rotated_at: null },
    ]);
    const [session] = await sql('select * from identity.user_session where id = ?', [first.session_id]);
    for (const token of tokens) expect(JSON.stringify([rows, session])).not.toContain(token.slice(3));
  });

  it('lets one of concurrent refreshes with the newest token through; the others count as reuse', async () => {
    const first = await launch({ location_id: 1, email: email() });
    // Hold the token's row until all three refreshes wait for it, so that they truly run at the same moment.
    const holder = new Client({ connectionString: stack.databaseUrl });
    await holder.connect();
    let answers: Array<Awaited<ReturnType<typeof refresh>>>;
    try {
      await holder.query('begin');
      await holder.query('select 1 from identity.refresh_token where token_hash = $1 for update', [
        createHash('sha256').update(first.refresh_token).digest('hex'),
      ]);
      const pending = Promise.all([1, 2, 3].map(() => refresh(first.refresh_token)));
      // Asked outside the holder's transaction, which would see one snapshot of pg_stat_activity throughout.
      for (let waiting = 0; waiting < 3; await sleep(20)) {
        [{ n: waiting }] = await sql<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query like '%refresh_token%'`,
        );
      }
      await holder.query('rollback');
      answers = await pending;
    } finally {
      await holder.end();
    }
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
    for (const lost of answers.filter((a) => a.status === 400)) {
      expect(lost.body).toEqual({
        error: 'invalid_grant',
        error_description: expect.stringMatching(
          /^The (refresh token was already used; the )?session has been revoked$/,
        ),
      });
    }
    // The server cannot tell a client that sent twice from a thief that raced it: the session is revoked.
    const won = answers.find((a) => a.status === 200)!;
    expect((await refresh(won.body.refresh_token)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'The session has been revoked',
    });
    const [{ n }] = await sql<{ n: number }>(
      'select count(*)::int as n from identity.refresh_token where session_id = ? and rotated_at is null',
      [first.session_id],
    );
    expect(n).toBeLessThanOrEqual(1);
  });

  it('refuses an unknown refresh token without touching any session', async () => {
    const session = await launch({ location_id: 1, email: email() });
    const unknown = await refresh(`rt_${randomBytes(32).toString('base64url')}`);
    expect(unknown).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Unknown refresh token' },
    });
    const [{ n }] = await sql<{ n: number }>(
      'select count(*)::int as n from identity.user_session where revoked_at is not null and id = ?',
      [session.session_id],
    );
    expect(n).toBe(0);
    const rotated = await refresh(session.refresh_token);
    expect(rotated.status).toBe(200);
    expect((await getLocation(1, rotated.body.access_token)).status).toBe(200);
  });

  it('answers the refresh grant with RFC 6749 errors', async () => {
    const unknown = await refresh(`rt_${randomBytes(32).toString('base64url')}`);
    expect(unknown).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Unknown refresh token' },
    });
    expect((await refresh('not-a-token')).body.error).toBe('invalid_grant');
    const session = await launch({ location_id: 1, email: email() });
    const otherClient = await refresh(session.refresh_token, { client_id: 'demo-partner' });
    expect(otherClient.body.error).toBe('invalid_grant');
    const missing = await fetch(`${stack.origin}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
    // None of these refusals spent the session's refresh token.
    expect((await refresh(session.refresh_token)).status).toBe(200);
  });

  it('refuses an expired token (token_expired) by the gateway’s clock, without waiting', async () => {
    const expiring = await launchToken({ location_id: 1, email: email() });
    const fresh = await launchToken({ location_id: 1, email: email() });
    const mintedAt = Date.now();
    stack.gateway.clock.now = () => new Date(mintedAt + (LAUNCH_TOKEN_TTL_SECONDS - 5) * 1000);
    expect((await exchange({ token: fresh })).status).toBe(200);
    stack.gateway.clock.now = () => new Date(mintedAt + (LAUNCH_TOKEN_TTL_SECONDS + 1) * 1000);
    const expired = await exchange({ token: expiring });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({
      ...errorBody(401, 'token_expired'),
      message: 'The launch token has expired',
      details: ['launch tokens are valid for 10 minutes; ask for a new launch link'],
    });
    const [row] = await sql<{ used_at: Date | null }>(
      'select used_at from identity.launch_token where token_hash = ?',
      [createHash('sha256').update(expiring).digest('hex')],
    );
    expect(row.used_at).toBeNull();
  });

  it.each([
    [{ email: 'a@demo.example' }, 'body.location_id: Invalid input: expected number, received undefined'],
    [{ location_id: 1 }, 'body.email: Invalid input: expected string, received undefined'],
    [{ location_id: 1, email: 'not-an-email' }, 'body.email: must be an email address'],
    [{ location_id: 1.5, email: 'a@demo.example' }, 'body.location_id: Invalid input: expected int, received number'],
    [
      { location_id: '1', email: 'a@demo.example' },
      'body.location_id: Invalid input: expected number, received string',
    ],
    [{ location_id: 1, email: 'a@demo.example', role_slug: 'owner' }, expect.stringMatching(/^body\.role_slug: /)],
    [{ location_id: 1, email: 'a@demo.example', user_id: 'x' }, 'body: Unrecognized key: "user_id"'],
  ])('refuses a malformed launch request with 400: %j', async (body, detail) => {
    const answer = await mint(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ ...errorBody(400, 'validation_error'), message: 'Validation error' });
    expect(answer.body.details).toEqual([detail]);
  });

  it('refuses a body that is not JSON (415) or not valid JSON (400)', async () => {
    const form = await call('POST', '/pos/v1/launch-tokens', {
      raw: 'location_id=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.code).toBe('unsupported_media_type');
    const broken = await call('POST', '/pos/v1/public/launch-exchange', { raw: '{"token":', token: null });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ ...errorBody(400, 'validation_error'), details: ['body: malformed JSON'] });
  });

  it('refuses another partner’s location (404), and a token presented for another location (422) without spending it', async () => {
    const foreign = await mint({ location_id: 3, email: email() });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({
      ...errorBody(404, 'not_found'),
      message: 'Location not found',
      details: ['location_id: 3 is not one of your locations'],
    });
    expect((await mint({ location_id: 999, email: email() })).status).toBe(404);

    const address = email().replace('demo.example', 'other.example');
    const token = await launchToken({ location_id: 3, email: address }, other);
    const elsewhere = await exchange({ token, location_id: 1 });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body).toEqual({
      ...errorBody(422, 'location_mismatch'),
      message: 'The launch token is for another location',
      details: ['location_id: the token opens location 3, not 1'],
    });
    const session = await exchange({ token, location_id: 3 });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ location_id: 3, user: { email: address, created: true } });
    expect(await stack.gateway.verifyAccessToken(session.body.access_token)).toMatchObject({
      tenantId: 'other',
      locationIds: [3],
    });
    expect((await getLocation(3, session.body.access_token)).status).toBe(200);
    expect((await getLocation(1, session.body.access_token)).status).toBe(404);
  });

  it('refuses forged and malformed tokens with clear 4xx errors and nothing internal', async () => {
    const forged = await exchange({ token: `lt_${randomBytes(32).toString('base64url')}` });
    expect(forged.status).toBe(401);
    expect(forged.body).toEqual({ ...errorBody(401, 'invalid_token'), message: 'The launch token is not valid' });
    const cases: Array<[unknown, string]> = [
      [{ token: 'garbage' }, 'body.token: not a launch token (lt_ and 43 base64url characters)'],
      [{ token: `lt_${'A'.repeat(10_000)}` }, 'body.token: not a launch token (lt_ and 43 base64url characters)'],
      [{ token: 42 }, 'body.token: Invalid input: expected string, received number'],
      [{}, 'body.token: Invalid input: expected string, received undefined'],
      [{ token: "lt_' or 1=1 --" }, 'body.token: not a launch token (lt_ and 43 base64url characters)'],
    ];
    for (const [body, detail] of cases) {
      const answer = await exchange(body);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ ...errorBody(400, 'validation_error'), details: [detail] });
      expectNoInternals(answer);
    }
    expectNoInternals(forged);
    // A session token (a JWT) is not a launch token either.
    const session = await launch({ location_id: 1, email: email() });
    expect((await exchange({ token: session.access_token })).status).toBe(400);
    expect((await exchange({ token: session.refresh_token })).status).toBe(400);
  });

  it('reuses the user on later launches: an existing role is kept, a location without one gets role_slug', async () => {
    const address = email();
    const first = await launch({ location_id: 1, email: address, name: 'First Name' });
    expect(first.user).toMatchObject({ created: true, name: 'First Name' });
    // A manager launch where the user is a cashier: no escalation by a link.
    const second = await launch({
      location_id: 1,
      email: address.toUpperCase(),
      name: 'Other Name',
      role_slug: 'location_manager',
    });
    expect(second).toMatchObject({
      location_id: 1,
      role: 'location_cashier',
      scope: CASHIER_SCOPES.join(' '),
      user: { id: first.user.id, email: address, name: 'First Name', created: false },
    });
    expect(second.session_id).not.toBe(first.session_id);
    const third = await launch({ location_id: 2, email: address, role_slug: 'location_manager' });
    expect(third).toMatchObject({ location_id: 2, role: 'location_manager', user: { id: first.user.id } });
    expect(decodeJwt(third.access_token)[ROLES_CLAIM]).toEqual([{ location_id: 2, role: 'location_manager' }]);
    const roles = await sql(
      'select location_id, role_slug from identity.pos_user_role where user_id = ? order by location_id',
      [first.user.id],
    );
    expect(roles).toEqual([
      { location_id: 1, role_slug: 'location_cashier' },
      { location_id: 2, role_slug: 'location_manager' },
    ]);
    const [{ n }] = await sql<{ n: number }>('select count(*)::int as n from identity.pos_user where email = ?', [
      address,
    ]);
    expect(n).toBe(1);
    // Every session stands on its own: the earlier ones still work.
    expect((await getLocation(1, first.access_token)).status).toBe(200);

    // A seeded user launches as themselves, with their seeded role.
    const seeded = await launch({ location_id: 2, email: 'manager@demo.example', role_slug: 'location_cashier' });
    expect(seeded).toMatchObject({ role: 'location_manager', user: { email: 'manager@demo.example', created: false } });
  });

  it('refuses a deactivated user (403 user_inactive) and a token of a client disabled since (401)', async () => {
    const address = email();
    const first = await launch({ location_id: 1, email: address });
    await sql('update identity.pos_user set active = false where id = ?', [first.user.id]);
    const inactive = await exchange({ token: await launchToken({ location_id: 1, email: address }) });
    expect(inactive.status).toBe(403);
    expect(inactive.body).toEqual({ ...errorBody(403, 'user_inactive'), message: 'The POS user is deactivated' });
    expect((await refresh(first.refresh_token)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'The POS user is deactivated',
    });

    const em = stack.gateway.orm.em.fork();
    const client = Object.assign(new ApiClient(), {
      clientId: `launcher-${randomUUID()}`,
      partner: em.getReference(Partner, 'demo'),
      secretHash: await hashSecret('launcher-secret'),
      allowedScopes: SCOPES.posLaunch,
    });
    await em.persistAndFlush(client);
    const launcher = await stack.token(client.clientId, 'launcher-secret');
    const token = await launchToken({ location_id: 1, email: email() }, launcher);
    await sql('update identity.api_client set active = false where client_id = ?', [client.clientId]);
    const disabled = await exchange({ token });
    expect(disabled.status).toBe(401);
    expect(disabled.body).toEqual({
      ...errorBody(401, 'invalid_token'),
      details: ['the client that created the launch link is disabled'],
    });
  });

  it('lets only M2M clients with tilt/pos:launch mint: POS user tokens and other scopes get 403, no token 401', async () => {
    const body = { location_id: 1, email: email() };
    const manager = await mint(body, await stack.userToken('manager@demo.example'));
    expect(manager.status).toBe(403);
    expect(manager.body).toEqual({
      ...errorBody(403, 'insufficient_scope'),
      details: ['The access token lacks the scope tilt/pos:launch'],
    });
    const session = await launch({ location_id: 1, email: email(), role_slug: 'location_manager' });
    expect((await mint(body, session.access_token)).status).toBe(403);
    const readOnly = await stack.token('demo-partner', 'demo-secret', SCOPES.posRead);
    expect((await mint(body, readOnly)).body.code).toBe('insufficient_scope');
    const anonymous = await mint(body, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthorized');
    // Launch-only tokens are enough: the location check needs no read scope.
    const launchOnly = await stack.token('demo-partner', 'demo-secret', SCOPES.posLaunch);
    expect((await mint(body, launchOnly)).status).toBe(201);
  });

  it('describes both routes in the OpenAPI document, which stays valid OpenAPI 3.1', async () => {
    const { body } = await call('GET', '/pos/v1/.well-known/openapi.json', { token: null });
    const create = body.paths['/pos/v1/launch-tokens'].post;
    expect(create.security).toEqual([{ oauth2: [SCOPES.posLaunch] }]);
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['location_id', 'email']);
    expect(Object.keys(create.responses)).toEqual([
      '201',
      '400',
      '401',
      '403',
      '404',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);
    const exchangeOp = body.paths['/pos/v1/public/launch-exchange'].post;
    expect(exchangeOp.security).toEqual([]);
    expect(Object.keys(exchangeOp.responses)).toEqual(['200', '400', '401', '403', '413', '415', '422', '429', '500']);

    expect(validateOpenApi(body)).toEqual({ valid: true });
  });
});
