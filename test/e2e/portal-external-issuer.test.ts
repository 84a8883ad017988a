import { startGateway, type StartedGateway } from '@pos/gateway';
import { gatewayEnvSchema } from '@pos/gateway/src/config';
import { createLogger, freePort, parseConfig } from '@pos/kit';
import { TEST_ENV } from '@pos/testing';
import { setCookie } from '../support/portal';
import { type Stack, TEST_ISSUER, startStack } from '../support/stack';

/**
 * The portal signing people in at an external issuer (PORTAL_AUTHORIZE_URL and PORTAL_TOKEN_URL, with JWT_ISSUER and
 * JWKS_URL): here the external issuer is another deployment's gateway, whose built-in issuer knows this portal's
 * callback (PORTAL_REDIRECT_URIS). /portal/login goes to that issuer's authorize URL, the person signs in on its
 * page, and this portal exchanges the code there, verifies the token against that issuer's keys, and opens its own
 * session for the portal person of the token's email.
 */
describe('portal sign-in at an external issuer', () => {
  let issuer: Stack;
  let portal: StartedGateway;
  let portalUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    portalUrl = `http://localhost:${port}`;
    issuer = await startStack({ gatewayEnv: { PORTAL_REDIRECT_URIS: `${portalUrl}/portal/callback` } });
    const issuerUrl = `http://localhost:${issuer.gateway.port}`;
    portal = await startGateway(
      parseConfig(gatewayEnvSchema, {
        ...TEST_ENV,
        PORT: String(port),
        PUBLIC_URL: portalUrl,
        DATABASE_URL: issuer.databaseUrl,
        KEY_ENCRYPTION_KEY: issuer.keyEncryptionKey.toString('base64'),
        ORDERS_URL: issuer.subgraphs.orders.url,
        CHECKS_URL: issuer.subgraphs.checks.url,
        PAYMENTS_URL: issuer.subgraphs.payments.url,
        LOYALTY_URL: issuer.subgraphs.loyalty.url,
        JWT_ISSUER: TEST_ISSUER,
        JWKS_URL: `${issuerUrl}/.well-known/jwks.json`,
        PORTAL_AUTHORIZE_URL: `${issuerUrl}/oauth2/authorize`,
        PORTAL_TOKEN_URL: `${issuerUrl}/oauth2/token`,
      }),
      createLogger('gateway', 'warn'),
    );
  });
  afterAll(async () => {
    await portal?.close();
    await issuer?.close();
  });

  it('sends the browser to the external issuer, and opens a session for the person it signed in', async () => {
    const login = await fetch(`${portalUrl}/portal/login`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const authorize = new URL(login.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`http://localhost:${issuer.gateway.port}/oauth2/authorize`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${portalUrl}/portal/callback`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');

    // The person signs in on the issuer's own page.
    const page = await fetch(authorize);
    const html = await page.text();
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
    );
    const posted = await fetch(`${authorize.origin}/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: setCookie(page, 'pos_sign_in_csrf')!,
        origin: authorize.origin,
      },
      body: new URLSearchParams({ ...fields, email: 'dev@demo.example', password: 'demo-dev-password' }),
    });
    expect(posted.status).toBe(303);
    const callback = new URL(posted.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${portalUrl}/portal/callback`);

    // Back at this portal: the code is exchanged at the issuer, and the session is this portal's.
    const done = await fetch(callback, {
      redirect: 'manual',
      headers: { cookie: setCookie(login, 'pos_portal_login')! },
    });
    expect(done.status).toBe(303);
    const session = setCookie(done, 'pos_portal_session')!;
    const me = await fetch(`${portalUrl}/portal/session`, { headers: { cookie: session } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as any).person).toEqual(
      expect.objectContaining({ email: 'dev@demo.example', role: 'partner_developer', partnerId: 'demo' }),
    );
  });

  it('refuses a callback whose code the issuer does not know, and a forged state', async () => {
    const login = await fetch(`${portalUrl}/portal/login`, { redirect: 'manual' });
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const cookie = setCookie(login, 'pos_portal_login')!;
    const forgedCode = await fetch(`${portalUrl}/portal/callback?code=made-up&state=${state}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(forgedCode.status).toBe(400);
    expect(forgedCode.headers.getSetCookie().some((c) => c.startsWith('pos_portal_session='))).toBe(false);
    const forgedState = await fetch(`${portalUrl}/portal/callback?code=made-up&state=other`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(forgedState.status).toBe(400);
  });

  it('refuses a redirect URI the issuer has not registered', async () => {
    const login = await fetch(`${portalUrl}/portal/login`, { redirect: 'manual' });
    const authorize = new URL(login.headers.get('location')!);
    authorize.searchParams.set('redirect_uri', 'http://localhost:1/portal/callback');
    const page = await fetch(authorize);
    expect(page.status).toBe(400);
  });
});
