import { SignJWT, decodeProtectedHeader } from 'jose';
import { type Principal, internalContextVerifier, principalScopeKey, signInternalContext } from '../src/internal-auth';

const SECRET = 'unit-test-internal-secret-0123456789abcdef';
const key = new TextEncoder().encode(SECRET);

const principal: Principal = {
  tenantId: 'demo',
  subject: 'demo-partner',
  kind: 'm2m',
  clientId: 'demo-partner',
  scopes: ['tilt/pos:read', 'tilt/pos:payments'],
  locationIds: null,
};

/** One check by a fresh verifier, so that nothing verified by an earlier check is remembered. */
const verifyInternalContext = (secret: string, token: string | undefined | null) =>
  internalContextVerifier(secret)(token);

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with the claims the gateway sends, signed as told (to change one property at a time). */
const craft = (options: { alg?: string; issuer?: string; audience?: string; typ?: string } = {}) =>
  new SignJWT({ ten: 'demo', knd: 'm2m', cid: 'demo-partner', scp: 'tilt/pos:read' })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: options.typ ?? 'pos-ctx+jwt' })
    .setIssuer(options.issuer ?? 'pos-gateway')
    .setAudience(options.audience ?? 'pos-subgraphs')
    .setSubject('demo-partner')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);

describe('internal context', () => {
  it('round-trips a principal through sign and verify', async () => {
    const token = await signInternalContext(SECRET, principal);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'pos-ctx+jwt' });
    expect(await verifyInternalContext(SECRET, token)).toEqual(principal);
  });

  it('round-trips a user principal without client id or scopes', async () => {
    const user: Principal = {
      tenantId: 'demo',
      subject: 'user-7',
      kind: 'user',
      clientId: null,
      scopes: [],
      locationIds: [2, 1],
    };
    expect(await verifyInternalContext(SECRET, await signInternalContext(SECRET, user))).toEqual(user);
  });

  it('round-trips the loyalty API key principals (an org, a customer) with no location', async () => {
    for (const kind of ['loyaltyOrg', 'loyaltyCustomer'] as const) {
      const caller: Principal = {
        tenantId: 'demo',
        subject: '0000000a-0000-4000-8000-000000000001',
        kind,
        clientId: null,
        scopes: ['tilt/loyalty:pos'],
        locationIds: [],
      };
      expect(await verifyInternalContext(SECRET, await signInternalContext(SECRET, caller))).toEqual(caller);
    }
  });

  it('rejects a context whose caller kind it does not know, rather than guessing one', async () => {
    const token = await new SignJWT({ ten: 'demo', knd: 'admin', scp: 'tilt/pos:read' })
      .setProtectedHeader({ alg: 'HS256', typ: 'pos-ctx+jwt' })
      .setIssuer('pos-gateway')
      .setAudience('pos-subgraphs')
      .setSubject('someone')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    expect(await verifyInternalContext(SECRET, token)).toBeNull();
  });

  it('accepts the reference token crafted here, so the rejections below are about one property each', async () => {
    expect(await verifyInternalContext(SECRET, await craft())).toMatchObject({ tenantId: 'demo' });
  });

  it('returns null without a token', async () => {
    expect(await verifyInternalContext(SECRET, undefined)).toBeNull();
    expect(await verifyInternalContext(SECRET, null)).toBeNull();
    expect(await verifyInternalContext(SECRET, '')).toBeNull();
    expect(await verifyInternalContext(SECRET, 'not.a.jwt')).toBeNull();
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signInternalContext('another-internal-secret-0123456789abcdef', principal);
    expect(await verifyInternalContext(SECRET, token)).toBeNull();
  });

  it('rejects an expired token', async () => {
    const expired = await signInternalContext(SECRET, principal, -1);
    expect(await verifyInternalContext(SECRET, expired)).toBeNull();
  });

  it('rejects an unsigned token (alg: none)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = [
      base64url({ alg: 'none', typ: 'pos-ctx+jwt' }),
      base64url({
        ten: 'demo',
        knd: 'm2m',
        cid: 'demo-partner',
        scp: 'tilt/pos:read',
        iss: 'pos-gateway',
        aud: 'pos-subgraphs',
        sub: 'demo-partner',
        iat: now,
        exp: now + 300,
      }),
      '',
    ].join('.');
    expect(await verifyInternalContext(SECRET, unsigned)).toBeNull();
  });

  it('rejects another algorithm, even with the right secret', async () => {
    expect(await verifyInternalContext(SECRET, await craft({ alg: 'HS512' }))).toBeNull();
  });

  it('rejects another audience, issuer or token type', async () => {
    expect(await verifyInternalContext(SECRET, await craft({ audience: 'someone-else' }))).toBeNull();
    expect(await verifyInternalContext(SECRET, await craft({ issuer: 'not-the-gateway' }))).toBeNull();
    expect(await verifyInternalContext(SECRET, await craft({ typ: 'JWT' }))).toBeNull();
  });

  it('rejects a token whose signature was altered', async () => {
    const token = await signInternalContext(SECRET, principal);
    const [header, payload] = token.split('.');
    const forged = `${header}.${base64url({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ten: 'other' })}`;
    expect(await verifyInternalContext(SECRET, `${forged}.${token.split('.')[2]}`)).toBeNull();
  });
});

describe("internalContextVerifier (a subgraph server's)", () => {
  it('verifies a context once and answers its principal again until it expires; refuses what verify refuses', async () => {
    const verify = internalContextVerifier(SECRET);
    const token = await signInternalContext(SECRET, principal);
    const first = await verify(token);
    expect(first).toEqual(principal);
    // The same object: nothing was verified or parsed again.
    expect(await verify(token)).toBe(first);
    expect(await verify(undefined)).toBeNull();
    expect(await verify(await craft({ audience: 'elsewhere' }))).toBeNull();
    expect(await verify(await signInternalContext('another-secret-0123456789abcdef-xyz', principal))).toBeNull();
    // An expired context is refused, whether or not an earlier one of the same caller was remembered.
    const expired = await new SignJWT({ ten: 'demo', knd: 'm2m', cid: 'demo-partner', scp: 'tilt/pos:read' })
      .setProtectedHeader({ alg: 'HS256', typ: 'pos-ctx+jwt' })
      .setIssuer('pos-gateway')
      .setAudience('pos-subgraphs')
      .setSubject('demo-partner')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 300)
      .sign(key);
    expect(await verify(expired)).toBeNull();
  });
});

describe('principalScopeKey', () => {
  it('ignores the order of the scopes', () => {
    const reordered = { ...principal, scopes: [...principal.scopes].reverse() };
    expect(principalScopeKey(reordered)).toBe(principalScopeKey(principal));
  });

  it('does not reorder the principal it is given', () => {
    const scopes = ['b', 'a'];
    principalScopeKey({ ...principal, scopes });
    expect(scopes).toEqual(['b', 'a']);
  });

  it('tells apart tenants, subjects, kinds and scope sets', () => {
    const key = principalScopeKey(principal);
    expect(principalScopeKey({ ...principal, tenantId: 'other' })).not.toBe(key);
    expect(principalScopeKey({ ...principal, subject: 'someone-else' })).not.toBe(key);
    expect(principalScopeKey({ ...principal, kind: 'user' })).not.toBe(key);
    expect(principalScopeKey({ ...principal, scopes: ['tilt/pos:read'] })).not.toBe(key);
  });
});
