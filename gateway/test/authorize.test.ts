import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { migrate } from '@pos/kit';
import {
  AuthorizationCodes,
  PORTAL_CALLBACK_PATH,
  PORTAL_CLIENT_ID,
  pkceChallenge,
} from '../src/auth/authorization-codes';
import { authorizeRouter } from '../src/auth/authorize.router';
import { issuerRouter } from '../src/auth/issuer';
import { KeyStore } from '../src/auth/keys';
import { PasswordSignIn, SIGN_IN_LIMITS } from '../src/auth/password-sign-in';
import { PORTAL_SESSION_LIMITS, PortalSessions } from '../src/auth/portal-sessions';
import { PORTAL_SESSION_COOKIE, portalSignInRouter } from '../src/auth/portal-sign-in.router';
import { seedIdentity } from '../src/identity/seed';
import { identityTestOrm } from './identity-orm';

/**
 * The portal's sign-in: the authorization code grant with PKCE at the built-in issuer (`/oauth2/authorize` with its
 * sign-in page, `grant_type=authorization_code` at `/oauth2/token`), over real HTTP on a real database.
 */
describe('authorization code + PKCE sign-in', () => {
  let orm: MikroORM;
  let server: Server;
  let base: string;
  let keys: KeyStore;
  let sessions: PortalSessions;
  let now = Date.now();

  beforeAll(async () => {
    orm = await identityTestOrm();
    await migrate(orm);
    await seedIdentity(orm.em.fork());
    keys = await KeyStore.load(orm.em.fork(), Buffer.alloc(32, 7));
    const app = express();
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const signer = { issuer: base, keys, tokenTtlSeconds: 300 };
    const em = () => orm.em.fork();
    const codes = new AuthorizationCodes({ em, signer, publicUrl: base, now: () => new Date(now) });
    const signIn = new PasswordSignIn(em, { now: () => new Date(now) });
    sessions = new PortalSessions({ em, now: () => new Date(now) });
    app.use(authorizeRouter({ codes, signIn, publicUrl: base }));
    app.use(portalSignInRouter({ codes, sessions, publicUrl: base }));
    app.use(issuerRouter({ ...signer, em, codes }));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await orm?.close();
  });

  const callback = () => `${base}${PORTAL_CALLBACK_PATH}`;
  const newVerifier = () => randomBytes(32).toString('base64url');
  const authorizeQuery = (verifier: string, extra: Record<string, string> = {}) =>
    new URLSearchParams({
      response_type: 'code',
      client_id: PORTAL_CLIENT_ID,
      redirect_uri: callback(),
      code_challenge: pkceChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'state-123',
      ...extra,
    });

  /** Opens the sign-in page: its hidden fields and the CSRF cookie, as a browser would keep them. */
  async function openForm(query: URLSearchParams) {
    const res = await fetch(`${base}/oauth2/authorize?${query}`, { redirect: 'manual' });
    const html = await res.text();
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
    );
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    return { res, html, fields, cookie };
  }

  async function submit(
    form: { fields: Record<string, string>; cookie: string },
    credentials: { email: string; password: string },
    headers: Record<string, string> = {},
  ) {
    return fetch(`${base}/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie, origin: base, ...headers },
      body: new URLSearchParams({ ...form.fields, ...credentials }),
    });
  }

  const exchange = (params: Record<string, string>) =>
    fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: PORTAL_CLIENT_ID, ...params }),
    });

  /** Signs in and returns the code the browser is sent back with. */
  async function codeFor(verifier: string, email = 'admin@demo.example', password = 'demo-admin-password') {
    const res = await submit(await openForm(authorizeQuery(verifier)), { email, password });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(callback());
    expect(location.searchParams.get('state')).toBe('state-123');
    return location.searchParams.get('code')!;
  }

  it('shows a sign-in page without script, with labelled Email and Password and a Sign in button', async () => {
    const { res, html, fields, cookie } = await openForm(authorizeQuery(newVerifier()));
    expect(res.status).toBe(200);
    expect(html).toMatch(/<label for="email">Email<\/label>\s*<input id="email" name="email" type="email"/);
    expect(html).toMatch(
      /<label for="password">Password<\/label>\s*<input id="password" name="password" type="password"/,
    );
    expect(html).toContain('<button type="submit">Sign in</button>');
    expect(html).not.toContain('<script');
    expect(res.headers.get('content-security-policy')).toMatch(
      new RegExp(`^default-src 'none'; style-src 'nonce-[^']+'; form-action 'self' ${base};`),
    );
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The CSRF token: HttpOnly, SameSite=Strict cookie, the same value in the form.
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    expect(cookie.split('=')[1]).toBe(fields.csrf);
    expect(fields.code_challenge_method).toBe('S256');
  });

  it('signs a person in and exchanges the code, with its PKCE verifier, for their access token', async () => {
    const verifier = newVerifier();
    const code = await codeFor(verifier);
    const res = await exchange({ code, code_verifier: verifier, redirect_uri: callback() });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: expect.any(String) });
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(keys.publicJwks), {
      issuer: base,
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({
      client_id: PORTAL_CLIENT_ID,
      username: 'admin@demo.example',
      token_use: 'access',
      'pos:partner': 'demo',
      'pos:role': 'partner_admin',
      scope: body.scope,
    });
    expect(body.scope.split(' ')).toContain('tilt/webhooks:subscribe');
  });

  it('spends a code on its first exchange, and refuses a wrong verifier, a late code or another redirect URI', async () => {
    const verifier = newVerifier();
    const code = await codeFor(verifier);
    expect((await exchange({ code, code_verifier: verifier, redirect_uri: callback() })).status).toBe(200);
    const again = await exchange({ code, code_verifier: verifier, redirect_uri: callback() });
    expect([again.status, await again.json()]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'The authorization code is invalid or expired' },
    ]);

    // A wrong verifier spends the code: the right one afterwards finds nothing.
    const second = newVerifier();
    const code2 = await codeFor(second);
    expect((await exchange({ code: code2, code_verifier: newVerifier(), redirect_uri: callback() })).status).toBe(400);
    expect((await exchange({ code: code2, code_verifier: second, redirect_uri: callback() })).status).toBe(400);

    const third = newVerifier();
    const code3 = await codeFor(third);
    const elsewhere = await exchange({ code: code3, code_verifier: third, redirect_uri: `${base}/elsewhere` });
    expect(elsewhere.status).toBe(400);

    const fourth = newVerifier();
    const code4 = await codeFor(fourth);
    now += 61_000;
    const late = await exchange({ code: code4, code_verifier: fourth, redirect_uri: callback() });
    expect([late.status, ((await late.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    expect((await exchange({ code: 'made-up', code_verifier: fourth, redirect_uri: callback() })).status).toBe(400);
  });

  it('answers a wrong password and an unknown email with one generic sentence, and no code', async () => {
    for (const credentials of [
      { email: 'admin@demo.example', password: 'not-it' },
      { email: 'nobody@demo.example', password: 'not-it' },
    ]) {
      const res = await submit(await openForm(authorizeQuery(newVerifier())), credentials);
      expect(res.status).toBe(401);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toContain('<p class="error" role="alert" id="sign-in-error">Incorrect email or password.</p>');
      expect(html).toContain(`value="${credentials.email}"`);
      expect(html).not.toContain('not-it');
    }
  });

  it('says how long to wait once guessing is throttled', async () => {
    const email = 'admin@other.example';
    for (let i = 0; i < SIGN_IN_LIMITS.accountFailures; i++) {
      expect((await submit(await openForm(authorizeQuery(newVerifier())), { email, password: `x${i}` })).status).toBe(
        401,
      );
    }
    const res = await submit(await openForm(authorizeQuery(newVerifier())), {
      email,
      password: 'other-admin-password',
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(String(SIGN_IN_LIMITS.lockSeconds));
    expect(await res.text()).toContain('Too many sign-in attempts. Try again in 15 minutes.');
  });

  it('refuses a form posted from another site, or without its CSRF token', async () => {
    const form = await openForm(authorizeQuery(newVerifier()));
    const credentials = { email: 'admin@demo.example', password: 'demo-admin-password' };
    for (const res of [
      await submit(form, credentials, { origin: 'https://evil.example' }),
      await submit(form, credentials, { origin: base, 'sec-fetch-site': 'cross-site' }),
      await submit({ ...form, cookie: '' }, credentials),
      await submit({ ...form, fields: { ...form.fields, csrf: 'forged' } }, credentials),
    ]) {
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('This sign-in form has expired or was sent from another site.');
    }
    // The same form, posted as the page posts it, signs in.
    expect((await submit(form, credentials)).status).toBe(303);
  });

  it('shows an unknown application or redirect URI to the person, and sends other errors back to the client', async () => {
    const verifier = newVerifier();
    for (const extra of [{ client_id: 'someone-else' }, { redirect_uri: 'https://evil.example/cb' }] as Record<
      string,
      string
    >[]) {
      const res = await fetch(`${base}/oauth2/authorize?${authorizeQuery(verifier, extra)}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
    for (const extra of [
      { code_challenge_method: 'plain' },
      { code_challenge: 'short' },
      { response_type: 'token' },
    ] as Record<string, string>[]) {
      const res = await fetch(`${base}/oauth2/authorize?${authorizeQuery(verifier, extra)}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(callback());
      expect(location.searchParams.get('error')).toMatch(/^(invalid_request|unsupported_response_type)$/);
      expect(location.searchParams.get('state')).toBe('state-123');
      expect(location.searchParams.get('code')).toBeNull();
    }
  });
  describe('the portal’s session (backend-for-frontend)', () => {
    const cookieOf = (res: Response, name: string) =>
      res.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${name}=`))
        ?.split(';')[0];

    /** The browser's trip: /portal/login, the sign-in page, the callback; answers the session cookie and the trip. */
    async function signInThroughPortal(email = 'admin@demo.example', password = 'demo-admin-password') {
      const login = await fetch(`${base}/portal/login`, { redirect: 'manual' });
      expect(login.status).toBe(303);
      const loginCookie = cookieOf(login, 'pos_portal_login')!;
      expect(login.headers.getSetCookie().join()).toMatch(
        /pos_portal_login=[^;]+; Max-Age=600; Path=\/portal\/callback;.*HttpOnly; SameSite=Lax$/,
      );
      const authorize = new URL(login.headers.get('location')!);
      expect(authorize.pathname).toBe('/oauth2/authorize');
      const form = await openForm(authorize.searchParams);
      const signedIn = await submit(form, { email, password });
      expect(signedIn.status).toBe(303);
      const callbackUrl = signedIn.headers.get('location')!;
      const done = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: loginCookie } });
      return { done, callbackUrl, loginCookie, session: cookieOf(done, PORTAL_SESSION_COOKIE) };
    }

    const whoAmI = (session: string | undefined) =>
      fetch(`${base}/portal/session`, { headers: session ? { cookie: session } : {} });

    it('signs in through the portal and keeps only a random id in an HttpOnly cookie', async () => {
      const { done, session } = await signInThroughPortal();
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/portal/');
      const setCookie = done.headers.getSetCookie().find((c) => c.startsWith(PORTAL_SESSION_COOKIE))!;
      expect(setCookie).toMatch(/; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(session!.split('=')[1]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const me = await whoAmI(session);
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({
        person: {
          id: expect.any(String),
          email: 'admin@demo.example',
          name: 'Demo Admin',
          role: 'partner_admin',
          partnerId: 'demo',
        },
        expiresAt: expect.any(String),
      });
      expect((await whoAmI(undefined)).status).toBe(401);
      expect((await whoAmI(`${PORTAL_SESSION_COOKIE}=forged`)).status).toBe(401);
    });

    it('refuses a callback whose state is not the one this browser started with, or a code used twice', async () => {
      const { callbackUrl, loginCookie } = await signInThroughPortal();
      const forged = new URL(callbackUrl);
      forged.searchParams.set('state', 'another');
      const res = await fetch(forged, { redirect: 'manual', headers: { cookie: loginCookie } });
      expect(res.status).toBe(400);
      expect(cookieOf(res, PORTAL_SESSION_COOKIE)).toBeUndefined();
      expect(await res.text()).toContain('Sign-in did not complete. Open the portal again to sign in.');
      // Without the login cookie (another browser) the same callback fails too.
      expect((await fetch(callbackUrl, { redirect: 'manual' })).status).toBe(400);
    });

    it('signs out only from its own pages, and the session then ends', async () => {
      const { session } = await signInThroughPortal();
      const crossSite = await fetch(`${base}/portal/logout`, {
        method: 'POST',
        headers: { cookie: session!, origin: 'https://evil.example' },
      });
      expect(crossSite.status).toBe(403);
      expect((await whoAmI(session)).status).toBe(200);
      const out = await fetch(`${base}/portal/logout`, { method: 'POST', headers: { cookie: session!, origin: base } });
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie().join()).toMatch(new RegExp(`^${PORTAL_SESSION_COOKIE}=;`));
      expect((await whoAmI(session)).status).toBe(401);
    });

    it('ends a session left idle, and any session at its absolute end', async () => {
      const idle = (await signInThroughPortal()).session;
      now += (PORTAL_SESSION_LIMITS.idleSeconds - 60) * 1000;
      expect((await whoAmI(idle)).status).toBe(200);
      now += (PORTAL_SESSION_LIMITS.idleSeconds - 60) * 1000;
      expect((await whoAmI(idle)).status).toBe(200);
      now += (PORTAL_SESSION_LIMITS.idleSeconds + 1) * 1000;
      expect((await whoAmI(idle)).status).toBe(401);

      const busy = (await signInThroughPortal()).session;
      for (let elapsed = 0; elapsed < PORTAL_SESSION_LIMITS.absoluteSeconds; elapsed += 20 * 60) {
        expect((await whoAmI(busy)).status).toBe(200);
        now += 20 * 60 * 1000;
      }
      expect((await whoAmI(busy)).status).toBe(401);
    });
  });
});
