import type { Stack } from './stack';

/** The value (`name=value`) of the cookie `name` a response sets. */
export const setCookie = (res: Response, name: string): string | undefined =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

/** The gateway's public URL (no PUBLIC_URL in the tests): the origin its pages are served from. */
export const pageOrigin = (stack: Stack): string => `http://localhost:${new URL(stack.origin).port}`;

/**
 * A browser's sign-in trip to the portal, over real HTTP: /portal/login, the issuer's login page, its form posted
 * with the CSRF cookie, the callback. Answers the session cookie (`pos_portal_session=…`).
 */
export async function portalSignIn(stack: Stack, email: string, password: string): Promise<string> {
  const login = await fetch(`${stack.origin}/portal/login`, { redirect: 'manual' });
  const loginCookie = setCookie(login, 'pos_portal_login')!;
  const authorize = new URL(login.headers.get('location')!);
  const page = await fetch(`${stack.origin}/oauth2/authorize${authorize.search}`);
  const html = await page.text();
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
  );
  const posted = await fetch(`${stack.origin}/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: setCookie(page, 'pos_sign_in_csrf')!,
      origin: pageOrigin(stack),
    },
    body: new URLSearchParams({ ...fields, email, password }),
  });
  if (posted.status !== 303) throw new Error(`sign-in of ${email} answered ${posted.status}`);
  const callback = new URL(posted.headers.get('location')!);
  const done = await fetch(`${stack.origin}${callback.pathname}${callback.search}`, {
    redirect: 'manual',
    headers: { cookie: loginCookie },
  });
  if (done.status !== 303) throw new Error(`the portal's callback answered ${done.status}`);
  return setCookie(done, 'pos_portal_session')!;
}

/** The headers of a request the portal's own page makes with the session. */
export const portalHeaders = (stack: Stack, cookie: string) => ({ cookie, origin: pageOrigin(stack) });
