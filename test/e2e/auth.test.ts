import { setTimeout as sleep } from 'node:timers/promises';
import { KeyStore } from '@pos/gateway/src/auth/keys';
import { POS_APP_CLIENT_ID, ROLES_CLAIM, UserTokenError } from '@pos/gateway/src/auth/user-tokens';
import { InvalidTokenError } from '@pos/gateway/src/auth/verify';
import { Partner, PosUser, PosUserRole } from '@pos/gateway/src/identity/identity.entities';
import { SCOPES } from '@pos/kit';
import { type JWTPayload, SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { type Stack, TEST_ISSUER, startStack } from '../support/stack';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
// Short, so that a deactivated user or a removed role shows within the test; the default is 30 s.
const AUTH_CACHE_TTL_SECONDS = 0.2;
const afterCacheExpiry = () => sleep(AUTH_CACHE_TTL_SECONDS * 1000 + 50);
const CASHIER_SCOPES = [SCOPES.posRead, SCOPES.posOrders, SCOPES.posPayments];

describe('authentication', () => {
  let stack: Stack;
  let keys: KeyStore;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { AUTH_CACHE_TTL_SECONDS: String(AUTH_CACHE_TTL_SECONDS) } });
    keys = await KeyStore.load(stack.gateway.orm.em.fork(), stack.keyEncryptionKey);
  });
  afterAll(() => stack?.close());

  const claims = (overrides: Record<string, unknown> = {}) => ({
    client_id: 'demo-partner',
    token_use: 'access',
    scope: 'tilt/pos:read',
    ...overrides,
  });
  const sign = (payload: Record<string, unknown>, options: { issuer?: string; exp?: number | string } = {}) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: keys.active.kid })
      .setIssuer(options.issuer ?? TEST_ISSUER)
      .setSubject('demo-partner')
      .setIssuedAt(typeof options.exp === 'number' ? options.exp - 60 : undefined)
      .setExpirationTime(options.exp ?? '5m')
      .sign(keys.active.privateKey);

  async function expectRejected(token: string) {
    const graphql = await stack.graphql('{ locations { nodes { id } } }', {}, token);
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(graphql.body.data ?? null).toBeNull();
    const rest = await fetch(`${stack.origin}/pos/v1/locations`, { headers: { authorization: `Bearer ${token}` } });
    expect(rest.status).toBe(401);
    expect(await rest.json()).toMatchObject({ status: 401, message: 'Unauthorized' });
  }

  it('accepts a token from the built-in issuer, as a control for the cases below', async () => {
    const token = await sign(claims());
    const { status, body } = await stack.graphql('{ locations { nodes { id } } }', {}, token);
    expect(status).toBe(200);
    expect(body.data).toEqual({ locations: { nodes: [{ id: '1' }, { id: '2' }] } });
  });

  it('rejects a token signed with another key, even one that claims the right kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: keys.active.kid })
      .setIssuer(TEST_ISSUER)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await expectRejected(forged);
  });

  it('rejects alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iss: TEST_ISSUER, iat: now, exp: now + 300 })}.`,
    );
  });

  it('rejects HS256, including one keyed with the public key (algorithm confusion)', async () => {
    const publicJwk = JSON.stringify(keys.publicJwks.keys[0]);
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: keys.active.kid })
      .setIssuer(TEST_ISSUER)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicJwk));
    await expectRejected(hs);
  });

  it('rejects an expired token', async () => {
    await expectRejected(await sign(claims(), { exp: Math.floor(Date.now() / 1000) - 120 }));
  });

  it('rejects a token from another issuer', async () => {
    await expectRejected(await sign(claims(), { issuer: 'https://evil.example' }));
  });

  it('rejects an ID token, an unknown client, and a missing or malformed header', async () => {
    await expectRejected(await sign(claims({ token_use: 'id' })));
    await expectRejected(await sign(claims({ client_id: 'nobody' })));
    await expectRejected('garbage');
    const none = await stack.graphql('{ locations { nodes { id } } }', {}, null);
    expect(none.status).toBe(401);
  });

  describe('POS user tokens', () => {
    /** Re-signs a token's claims, changed by `edit`, with `key` (the issuer's own key unless told otherwise). */
    const resign = async (token: string, edit: (claims: JWTPayload) => JWTPayload, key = keys.active.privateKey) =>
      new SignJWT(edit(decodeJwt(token))).setProtectedHeader({ alg: 'RS256', kid: keys.active.kid }).sign(key);
    const userIdOf = (token: string) => decodeJwt(token).sub as string;

    it('are Cognito-shaped access tokens carrying the scopes and locations of the roles', async () => {
      const token = await stack.userToken('cashier@demo.example');
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: keys.active.kid });
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({
        iss: TEST_ISSUER,
        sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
        token_use: 'access',
        client_id: POS_APP_CLIENT_ID,
        username: 'cashier@demo.example',
        scope: CASHIER_SCOPES.join(' '),
        [ROLES_CLAIM]: [{ location_id: 1, role: 'location_cashier' }],
        jti: expect.any(String),
      });
      expect(claims.exp! - claims.iat!).toBe(3600);
      const manager = decodeJwt(await stack.userToken('manager@demo.example'));
      expect(manager.scope).toBe([...CASHIER_SCOPES, SCOPES.posRefunds].join(' '));
      expect(manager[ROLES_CLAIM]).toEqual([
        { location_id: 1, role: 'location_manager' },
        { location_id: 2, role: 'location_manager' },
      ]);
    });

    it('are accepted on GraphQL and REST', async () => {
      const token = await stack.userToken('cashier@demo.example');
      const graphql = await stack.graphql('{ locations { nodes { id } } }', {}, token);
      expect(graphql.status).toBe(200);
      expect(graphql.body.errors).toBeUndefined();
      expect(Array.isArray(graphql.body.data?.locations?.nodes)).toBe(true);
      const rest = await fetch(`${stack.origin}/pos/v1/locations`, { headers: { authorization: `Bearer ${token}` } });
      expect(rest.status).toBe(200);
    });

    it('prove the user, its partner, its locations and scopes; partner clients still get every location', async () => {
      const cashier = await stack.userToken('cashier@demo.example');
      expect(await stack.gateway.verifyAccessToken(cashier)).toEqual({
        tenantId: 'demo',
        subject: userIdOf(cashier),
        kind: 'user',
        clientId: null,
        scopes: CASHIER_SCOPES,
        locationIds: [1],
      });
      const manager = await stack.gateway.verifyAccessToken(await stack.userToken('manager@demo.example'));
      expect(manager).toMatchObject({ tenantId: 'demo', kind: 'user', locationIds: [1, 2] });
      expect(manager.scopes).toContain(SCOPES.posRefunds);
      const other = await stack.gateway.verifyAccessToken(await stack.userToken('cashier@other.example'));
      expect(other).toMatchObject({ tenantId: 'other', kind: 'user', locationIds: [3] });

      expect(await stack.gateway.verifyAccessToken(await stack.token())).toMatchObject({
        tenantId: 'demo',
        subject: 'demo-partner',
        kind: 'm2m',
        clientId: 'demo-partner',
        locationIds: null,
      });
    });

    it('rejects a roles claim tampered with and re-signed with another key', async () => {
      const token = await stack.userToken('cashier@demo.example');
      const { privateKey } = await generateKeyPair('RS256');
      const tampered = await resign(
        token,
        (claims) => ({
          ...claims,
          scope: [...CASHIER_SCOPES, SCOPES.posRefunds].join(' '),
          [ROLES_CLAIM]: [
            { location_id: 1, role: 'location_manager' },
            { location_id: 2, role: 'location_manager' },
          ],
        }),
        privateKey,
      );
      await expectRejected(tampered);
    });

    it('open only the roles the user still holds, whatever the token claims', async () => {
      // As a token minted before a role was changed would: it claims more than the user now holds.
      const stale = await resign(await stack.userToken('cashier@demo.example'), (claims) => ({
        ...claims,
        scope: [...CASHIER_SCOPES, SCOPES.posRefunds].join(' '),
        [ROLES_CLAIM]: [
          { location_id: 1, role: 'location_manager' },
          { location_id: 2, role: 'location_manager' },
        ],
      }));
      expect(await stack.gateway.verifyAccessToken(stale)).toMatchObject({ scopes: CASHIER_SCOPES, locationIds: [1] });
      const elsewhere = await resign(await stack.userToken('cashier@demo.example'), (claims) => ({
        ...claims,
        [ROLES_CLAIM]: [{ location_id: 3, role: 'location_cashier' }],
      }));
      await expectRejected(elsewhere);
    });

    it('rejects malformed user tokens, and tokens of unknown users', async () => {
      const token = await stack.userToken('cashier@demo.example');
      const roles = (value: unknown) => (claims: JWTPayload) => ({ ...claims, [ROLES_CLAIM]: value });
      const edits: Array<(claims: JWTPayload) => JWTPayload> = [
        roles(undefined),
        roles([]),
        roles({ location_id: 1, role: 'location_cashier' }),
        roles([{ location_id: '1', role: 'location_cashier' }]),
        roles([{ location_id: 1.5, role: 'location_cashier' }]),
        roles([{ location_id: 1, role: 'owner' }]),
        roles([
          { location_id: 1, role: 'location_cashier' },
          { location_id: 1, role: 'location_manager' },
        ]),
        roles(['location_cashier']),
        ({ username: _username, ...claims }) => claims, // the POS app without a user
        (claims) => ({ ...claims, client_id: 'demo-partner' }), // a partner client with a user
        (claims) => ({ ...claims, sub: '00000000-0000-4000-8000-000000000000' }),
        (claims) => ({ ...claims, sub: 'not-a-uuid' }),
      ];
      for (const [index, edit] of edits.entries()) {
        await expect(
          stack.gateway.verifyAccessToken(await resign(token, edit)).then(
            () => `edit ${index} accepted`,
            (error: unknown) => error instanceof InvalidTokenError,
          ),
        ).resolves.toBe(true);
      }
      await expectRejected(await resign(token, edits[0]));
      await expectRejected(await resign(token, edits[10]));
    });

    it('stop working once a role is removed or the user deactivated, after the lookup cache', async () => {
      const em = stack.gateway.orm.em.fork();
      const user = new PosUser();
      Object.assign(user, {
        partner: em.getReference(Partner, 'demo'),
        email: 'Temp.Manager@Demo.Example',
        name: 'Temp',
      });
      const cashierAt1 = new PosUserRole();
      Object.assign(cashierAt1, { user, locationId: 1, roleSlug: 'location_cashier' });
      const managerAt2 = new PosUserRole();
      Object.assign(managerAt2, { user, locationId: 2, roleSlug: 'location_manager' });
      await em.persistAndFlush([user, cashierAt1, managerAt2]);
      const [{ email }] = await em
        .getConnection()
        .execute<{ email: string }[]>('select email from identity.pos_user where id = ?', [user.id]);
      expect(email).toBe('temp.manager@demo.example');

      const token = await stack.userToken('temp.manager@demo.example');
      expect(await stack.gateway.verifyAccessToken(token)).toMatchObject({
        locationIds: [1, 2],
        scopes: [...CASHIER_SCOPES, SCOPES.posRefunds],
      });

      await em.getConnection().execute('delete from identity.pos_user_role where id = ?', [managerAt2.id]);
      await afterCacheExpiry();
      expect(await stack.gateway.verifyAccessToken(token)).toMatchObject({ locationIds: [1], scopes: CASHIER_SCOPES });

      await em.getConnection().execute('update identity.pos_user set active = false where id = ?', [user.id]);
      await afterCacheExpiry();
      await expectRejected(token);
      await expect(stack.gateway.issueUserToken(user.id)).rejects.toThrow(UserTokenError);
    });

    it('are not issued for unknown users', async () => {
      await expect(stack.gateway.issueUserToken('00000000-0000-4000-8000-000000000000')).rejects.toThrow(
        UserTokenError,
      );
      await expect(stack.gateway.issueUserToken('not-a-uuid')).rejects.toThrow(UserTokenError);
    });
  });

  describe('the token endpoint', () => {
    const tokenRequest = (
      body: Record<string, string> | Array<[string, string]>,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${stack.origin}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body),
      });
    const basic = (id: string, secret: string) => ({
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
    });

    it('issues RS256 access tokens with Cognito-style claims, verifiable against the JWKS', async () => {
      const response = await tokenRequest({ grant_type: 'client_credentials' }, basic('demo-partner', 'demo-secret'));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as {
        access_token: string;
        token_type: string;
        expires_in: number;
        scope: string;
      };
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(body.scope.split(' ')).toEqual(
        expect.arrayContaining(['tilt/pos:read', 'tilt/pos:launch', 'tilt/webhooks:subscribe']),
      );
      const header = decodeProtectedHeader(body.access_token);
      const jwks = (await (await fetch(`${stack.origin}/.well-known/jwks.json`)).json()) as {
        keys: Array<{ kid: string; alg: string; d?: string }>;
      };
      expect(header.alg).toBe('RS256');
      expect(jwks.keys).toEqual([expect.objectContaining({ kid: header.kid, alg: 'RS256', kty: 'RSA' })]);
      expect(jwks.keys[0].d).toBeUndefined(); // never the private half
      expect(decodeJwt(body.access_token)).toMatchObject({
        iss: TEST_ISSUER,
        client_id: 'demo-partner',
        token_use: 'access',
        sub: 'demo-partner',
      });
    });

    it('accepts credentials in the form body and narrows scopes on request', async () => {
      const response = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: 'other-partner',
        client_secret: 'other-secret',
        scope: 'tilt/pos:read',
      });
      const body = (await response.json()) as { access_token: string; scope: string };
      expect(body.scope).toBe('tilt/pos:read');
      expect(decodeJwt(body.access_token).scope).toBe('tilt/pos:read');
    });

    it('refuses any parameter sent twice with invalid_request naming it, whatever the grant', async () => {
      const demo = basic('demo-partner', 'demo-secret');
      const refreshToken = `rt_${'A'.repeat(43)}`;
      const cases: Array<[Array<[string, string]>, Record<string, string>, string]> = [
        // Two scopes used to be ignored and answered with every scope of the client.
        [
          [
            ['grant_type', 'client_credentials'],
            ['scope', 'tilt/pos:read'],
            ['scope', 'tilt/pos:read'],
          ],
          demo,
          'scope',
        ],
        [
          [
            ['grant_type', 'client_credentials'],
            ['scope', ''],
            ['scope', ''],
          ],
          demo,
          'scope',
        ],
        [
          [
            ['grant_type', 'client_credentials'],
            ['grant_type', 'client_credentials'],
          ],
          demo,
          'grant_type',
        ],
        [
          [
            ['grant_type', 'client_credentials'],
            ['grant_type', 'password'],
          ],
          demo,
          'grant_type',
        ],
        [
          [
            ['grant_type', 'client_credentials'],
            ['client_id', 'demo-partner'],
            ['client_id', 'other-partner'],
            ['client_secret', 'demo-secret'],
          ],
          {},
          'client_id',
        ],
        [
          [
            ['grant_type', 'client_credentials'],
            ['client_id', 'demo-partner'],
            ['client_secret', 'demo-secret'],
            ['client_secret', 'demo-secret'],
          ],
          {},
          'client_secret',
        ],
        [
          [
            ['grant_type', 'refresh_token'],
            ['refresh_token', refreshToken],
            ['refresh_token', refreshToken],
          ],
          {},
          'refresh_token',
        ],
        // A parameter the endpoint does not use is still a parameter.
        [
          [
            ['grant_type', 'client_credentials'],
            ['audience', 'a'],
            ['audience', 'b'],
          ],
          demo,
          'audience',
        ],
      ];
      for (const [params, headers, name] of cases) {
        const response = await tokenRequest(params, headers);
        expect({ name, status: response.status, body: await response.json() }).toEqual({
          name,
          status: 400,
          body: { error: 'invalid_request', error_description: `Parameter sent more than once: ${name}` },
        });
      }
      const several = await tokenRequest(
        [
          ['scope', 'tilt/pos:read'],
          ['grant_type', 'client_credentials'],
          ['scope', 'tilt/pos:read'],
          ['grant_type', 'client_credentials'],
        ],
        demo,
      );
      expect(await several.json()).toEqual({
        error: 'invalid_request',
        error_description: 'Parameters sent more than once: scope, grant_type',
      });

      // Each parameter once: the same request is answered as before.
      const once = await tokenRequest({ grant_type: 'client_credentials', scope: 'tilt/pos:read' }, demo);
      expect(once.status).toBe(200);
      expect(((await once.json()) as { scope: string }).scope).toBe('tilt/pos:read');
    });

    it('answers RFC 6749 errors', async () => {
      const wrongSecret = await tokenRequest({ grant_type: 'client_credentials' }, basic('demo-partner', 'nope'));
      expect(wrongSecret.status).toBe(401);
      expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
      const unknown = await tokenRequest({ grant_type: 'client_credentials' }, basic('ghost', 'x'));
      expect(unknown.status).toBe(401);
      const grant = await tokenRequest({ grant_type: 'password' }, basic('demo-partner', 'demo-secret'));
      expect(grant.status).toBe(400);
      expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
      const scope = await tokenRequest(
        { grant_type: 'client_credentials', scope: 'tilt/admin' },
        basic('demo-partner', 'demo-secret'),
      );
      expect(scope.status).toBe(400);
      expect(await scope.json()).toMatchObject({ error: 'invalid_scope' });
    });

    it('stores client secrets hashed, and the signing key encrypted', async () => {
      const conn = stack.gateway.orm.em.getConnection();
      const rows = await conn.execute<{ secret_hash: string }[]>('select secret_hash from identity.api_client');
      for (const row of rows) {
        expect(row.secret_hash).toMatch(/^scrypt\$/);
        expect(row.secret_hash).not.toContain('secret');
      }
      const [key] = await conn.execute<{ private_jwk_encrypted: string }[]>(
        'select private_jwk_encrypted from identity.signing_key',
      );
      expect(key.private_jwk_encrypted).toMatch(/^v1\./);
      expect(key.private_jwk_encrypted).not.toContain('"d"');
    });
  });
});
