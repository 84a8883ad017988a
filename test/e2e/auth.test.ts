import { KeyStore } from '@pos/gateway/src/auth/keys';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { type Stack, TEST_ISSUER, startStack } from '../support/stack';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication', () => {
  let stack: Stack;
  let keys: KeyStore;
  beforeAll(async () => {
    stack = await startStack();
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
    const graphql = await stack.graphql('{ locations { id } }', {}, token);
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(graphql.body.data ?? null).toBeNull();
    const rest = await fetch(`${stack.origin}/pos/v1/locations`, { headers: { authorization: `Bearer ${token}` } });
    expect(rest.status).toBe(401);
    expect(await rest.json()).toMatchObject({ status: 401, message: 'Unauthorized' });
  }

  it('accepts a token from the built-in issuer, as a control for the cases below', async () => {
    const token = await sign(claims());
    const { status, body } = await stack.graphql('{ locations { id } }', {}, token);
    expect(status).toBe(200);
    expect(body.data).toEqual({ locations: [{ id: '1' }, { id: '2' }] });
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
    const none = await stack.graphql('{ locations { id } }', {}, null);
    expect(none.status).toBe(401);
  });

  describe('the token endpoint', () => {
    const tokenRequest = (body: Record<string, string>, headers: Record<string, string> = {}) =>
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
