import type { AddressInfo } from 'node:net';
import express from 'express';
import { apiKeyPrincipals } from '../src/auth/api-keys';
import { PortalSessions } from '../src/auth/portal-sessions';
import { createAccessTokenVerifier } from '../src/auth/verify';
import { createCallers, oncePerRequest } from '../src/callers';
import { KeyFailures } from '../src/hardening';

describe('oncePerRequest', () => {
  it('answers every ask about one request with its first answer, refusals included, and each request its own', async () => {
    const resolve = oncePerRequest(async (req: { name: string }) => {
      if (req.name === 'refused') throw new Error('refused');
      return { of: req.name };
    });
    const one = { name: 'one' };
    const refused = { name: 'refused' };
    expect(resolve(one)).toBe(resolve(one));
    expect(await resolve(one)).toEqual({ of: 'one' });
    expect(resolve({ name: 'one' })).not.toBe(resolve(one));
    const first = resolve(refused);
    expect(resolve(refused)).toBe(first);
    await expect(first).rejects.toThrow('refused');
  });
});

describe('createCallers', () => {
  // Real parts, nothing to look up: no token verifies (no keys) and no API key opens anything.
  const callers = createCallers({
    verify: createAccessTokenVerifier({
      issuer: 'http://issuer.test',
      jwks: { keys: [] },
      tenantOfClient: async () => null,
      userOfToken: async () => null,
    }),
    apiKeyPrincipal: apiKeyPrincipals(async () => null),
    keyFailures: new KeyFailures({ failures: 10, windowSeconds: 60 }),
    // No request here carries the portal's cookie, so no session is read.
    portalSessions: new PortalSessions({
      em: () => {
        throw new Error('no session is read in this test');
      },
    }),
    publicUrl: 'http://gateway.test',
  });

  it("resolves a request's caller once: what the rate limiter asks is what a route of its credential gets", async () => {
    const app = express();
    app.get('/caller', async (req, res) => {
      // The rate limiter asks first (the one-credential caller), then the REST route (its scheme's caller).
      const asked = callers.callerOf(req);
      const route = req.query.scheme === 'apiKey' ? callers.apiKeyCaller(req) : callers.tokenCaller(req);
      const [first, then] = await Promise.allSettled([asked, route]);
      const status = (outcome: PromiseSettledResult<unknown>) =>
        outcome.status === 'rejected'
          ? (outcome.reason as { extensions: { http: { status: number } } }).extensions.http.status
          : 200;
      res.json({ same: asked === route, statuses: [status(first), status(then)] });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ask = async (scheme: string, headers: Record<string, string>) =>
        (await fetch(`${origin}/caller?scheme=${scheme}`, { headers })).json();
      expect(await ask('bearer', { authorization: 'Bearer not-a-token' })).toEqual({
        same: true,
        statuses: [401, 401],
      });
      expect(await ask('apiKey', { 'x-api-key': 'not-a-key-of-ours' })).toEqual({ same: true, statuses: [401, 401] });
      // Both credentials: /graphql refuses the request, while a route takes the credential of its own scheme,
      // resolved on its own as before.
      expect(await ask('bearer', { authorization: 'Bearer not-a-token', 'x-api-key': 'not-a-key-of-ours' })).toEqual({
        same: false,
        statuses: [401, 401],
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
