import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LaunchService } from '@pos/gateway/src/auth/launch';
import { KeyStore } from '@pos/gateway/src/auth/keys';
import { POS_APP_CLIENT_ID } from '@pos/gateway/src/auth/user-tokens';
import { restClient } from '../support/rest';
import { type Stack, TEST_ISSUER, startStack } from '../support/stack';

// Short, so that a revoked session shows within the test; the default is 30 s.
const AUTH_CACHE_TTL_SECONDS = 0.2;
const afterCacheExpiry = () => sleep(AUTH_CACHE_TTL_SECONDS * 1000 + 50);

/**
 * Sign-out of a POS session: RFC 7009 token revocation at POST /oauth2/revoke with the session's refresh token,
 * whose rule is LaunchService.revoke. The session is revoked as reuse detection revokes it, so its refresh tokens and
 * access tokens stop working; an unknown token is answered 200 like a known one, and touches nothing.
 */
describe('POST /oauth2/revoke (POS session sign-out)', () => {
  let stack: Stack;
  let demo: string;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { AUTH_CACHE_TTL_SECONDS: String(AUTH_CACHE_TTL_SECONDS) } });
    demo = await stack.token();
  });
  afterAll(() => stack?.close());

  const call = restClient(
    () => stack,
    () => demo,
  );
  /** A launch link minted by the demo client for a new person at location 1, exchanged: the session's tokens. */
  const launch = async () => {
    const minted = await call('POST', '/pos/v1/launch-tokens', {
      body: { location_id: 1, email: `revoke-${randomUUID()}@demo.example` },
    });
    expect(minted.status).toBe(201);
    const exchanged = await call('POST', '/pos/v1/public/launch-exchange', {
      body: { token: minted.body.token },
      token: null,
    });
    expect(exchanged.status).toBe(200);
    return exchanged.body as { access_token: string; refresh_token: string; session_id: string };
  };
  const form = (path: string, params: Record<string, string> | string, headers: Record<string, string> = {}) =>
    fetch(`${stack.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: typeof params === 'string' ? params : new URLSearchParams(params),
    });
  const revoke = async (params: Record<string, string> | string, headers: Record<string, string> = {}) => {
    const response = await form('/oauth2/revoke', params, headers);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  };
  const refresh = async (refreshToken: string) => {
    const response = await form('/oauth2/token', { grant_type: 'refresh_token', refresh_token: refreshToken });
    return { status: response.status, body: (await response.json()) as any };
  };
  const sessionRow = async (id: string) => {
    const [row] = await stack.gateway.orm.em
      .getConnection()
      .execute<Array<{ revoked_at: string | null; revoked_reason: string | null }>>(
        'select revoked_at, revoked_reason from identity.user_session where id = ?',
        [id],
      );
    return row;
  };
  const getLocation = (token: string) => call('GET', '/pos/v1/locations/1', { token });

  it('revokes the session of a refresh token: 200, its refresh token and access token stop working', async () => {
    const session = await launch();
    expect((await getLocation(session.access_token)).status).toBe(200);

    const answer = await revoke({ token: session.refresh_token, client_id: POS_APP_CLIENT_ID });
    expect(answer.status).toBe(200);
    expect(answer.body).toBeNull();
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await sessionRow(session.session_id)).toEqual({
      revoked_at: expect.anything(),
      revoked_reason: 'signed_out',
    });

    expect(await refresh(session.refresh_token)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The session has been revoked' },
    });
    await afterCacheExpiry();
    expect((await getLocation(session.access_token)).status).toBe(401);
    const graphql = await stack.graphql('{ locations { nodes { id } } }', {}, session.access_token);
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('takes the client_id of the POS app or none; revoking twice is 200 and keeps the first revocation', async () => {
    const session = await launch();
    expect((await revoke({ token: session.refresh_token })).status).toBe(200);
    const first = await sessionRow(session.session_id);
    expect(first.revoked_reason).toBe('signed_out');
    expect((await revoke({ token: session.refresh_token, client_id: POS_APP_CLIENT_ID })).status).toBe(200);
    expect(await sessionRow(session.session_id)).toEqual(first);
  });

  it('revokes the session with any refresh token of its family, the rotated-out ones included', async () => {
    const session = await launch();
    const rotated = await refresh(session.refresh_token);
    expect(rotated.status).toBe(200);
    // Signing out with the token the app held before its last refresh still ends the session, newest token included.
    expect((await revoke({ token: session.refresh_token })).status).toBe(200);
    expect(await sessionRow(session.session_id)).toMatchObject({ revoked_reason: 'signed_out' });
    expect((await refresh(rotated.body.refresh_token)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'The session has been revoked',
    });
    await afterCacheExpiry();
    expect((await getLocation(rotated.body.access_token)).status).toBe(401);
  });

  it('answers 200 for an unknown or malformed token (RFC 7009 §2.2) and touches no session', async () => {
    const session = await launch();
    for (const token of [`rt_${randomBytes(32).toString('base64url')}`, 'not-a-token', `lt_${'A'.repeat(43)}`]) {
      const answer = await revoke({ token });
      expect(answer.status).toBe(200);
      expect(answer.body).toBeNull();
    }
    expect(await sessionRow(session.session_id)).toEqual({ revoked_at: null, revoked_reason: null });
    expect((await refresh(session.refresh_token)).status).toBe(200);
  });

  it('refuses what is not a revocation request by the POS app, with RFC 6749 errors and nothing revoked', async () => {
    const session = await launch();
    const otherClient = await revoke({ token: session.refresh_token, client_id: 'demo-partner' });
    expect(otherClient.status).toBe(401);
    expect(otherClient.body).toEqual({
      error: 'invalid_client',
      error_description: `Refresh tokens are issued to the client ${POS_APP_CLIENT_ID}`,
    });
    expect(await revoke({})).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'token is required' },
    });
    expect(
      await revoke(`token=${session.refresh_token}&token=${encodeURIComponent(session.refresh_token)}`),
    ).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'Parameter sent more than once: token' },
    });
    const json = await fetch(`${stack.origin}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: session.refresh_token }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
    // An access token cannot be revoked on its own (RFC 7009 §2.2.1): revoking the refresh token ends both.
    expect(await revoke({ token: session.access_token, token_type_hint: 'access_token' })).toEqual({
      status: 400,
      headers: expect.anything(),
      body: {
        error: 'unsupported_token_type',
        error_description: 'Only refresh tokens can be revoked; revoking one also ends its session’s access tokens',
      },
    });
    expect(await sessionRow(session.session_id)).toEqual({ revoked_at: null, revoked_reason: null });
    expect((await refresh(session.refresh_token)).status).toBe(200);
  });

  it('LaunchService.revoke: true when it revoked a session, false for a revoked session or an unknown token', async () => {
    const em = () => stack.gateway.orm.em.fork();
    const service = new LaunchService({
      em,
      signer: { issuer: TEST_ISSUER, keys: await KeyStore.load(em(), stack.keyEncryptionKey), tokenTtlSeconds: 3600 },
      clock: stack.gateway.clock,
      publicUrl: stack.origin,
      execute: () => Promise.reject(new Error('revoking runs no GraphQL')),
    });
    const session = await launch();
    await expect(service.revoke(`rt_${randomBytes(32).toString('base64url')}`)).resolves.toBe(false);
    await expect(service.revoke('garbage')).resolves.toBe(false);
    await expect(service.revoke(session.refresh_token)).resolves.toBe(true);
    await expect(service.revoke(session.refresh_token)).resolves.toBe(false);
    expect(await sessionRow(session.session_id)).toMatchObject({ revoked_reason: 'signed_out' });
  });
});
