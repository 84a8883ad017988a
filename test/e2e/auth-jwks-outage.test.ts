import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import { KEYS_UNAVAILABLE_MESSAGE } from '@pos/gateway/src/auth/errors';
import { memoryLogger } from '@pos/testing';
import { restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';

/**
 * Authentication against a remote key set (JWKS_URL, a Cognito user pool's say) that cannot be fetched: a valid
 * token could not be checked, so the caller is told to retry (503 `dependency_unavailable`), never that its token
 * is invalid (401: clients drop their token), and the issuer is not sent a fetch per request meanwhile. The key set
 * here serves the gateway's own issuer's public keys, so the token endpoint's tokens are the "remote" issuer's.
 */
const LOCATIONS = '{ locations { nodes { id } } }';

describe('authentication while the issuer key set cannot be fetched', () => {
  let stack: Stack;
  let jwks: Server;
  let available = false;
  let publicKeys: unknown = null;
  let fetches = 0;
  let token: string;
  const gatewayLog = memoryLogger('gateway');
  const call = restClient(
    () => stack,
    () => token,
  );

  beforeAll(async () => {
    jwks = createServer((_req, res) => {
      fetches++;
      if (!available) return void res.writeHead(503).end('maintenance');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(publicKeys));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const port = (jwks.address() as AddressInfo).port;
    stack = await startStack({
      gatewayEnv: { JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` },
      loggers: { gateway: gatewayLog.logger },
    });
    publicKeys = await (await fetch(`${stack.origin}/.well-known/jwks.json`)).json();
    token = await stack.token();
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('answers a token it could not check with 503 dependency_unavailable over GraphQL and REST, a malformed one 401', async () => {
    const graphql = await stack.graphql(LOCATIONS, {}, token);
    expect(graphql.status).toBe(503);
    expect(graphql.body).toEqual({
      errors: [
        {
          message: KEYS_UNAVAILABLE_MESSAGE,
          extensions: { code: 'UNAVAILABLE', reason: 'dependency_unavailable', details: [] },
        },
      ],
    });
    const rest = await call('GET', '/pos/v1/locations');
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('5');
    expect(rest.body).toMatchObject({ status: 503, code: 'dependency_unavailable', message: KEYS_UNAVAILABLE_MESSAGE });
    // Not a token at all: refused before any key is needed.
    expect((await stack.graphql(LOCATIONS, {}, 'not-a-token')).status).toBe(401);

    // Requests right after a failed fetch are refused without fetching again (jose would fetch for each).
    const before = fetches;
    for (let i = 0; i < 5; i++) expect((await stack.graphql(LOCATIONS, {}, token)).status).toBe(503);
    expect(fetches - before).toBeLessThanOrEqual(1);
    // Each failed fetch is logged for the operator, with what the issuer answered.
    const warnings = gatewayLog
      .lines()
      .filter((l) => l.msg === 'the issuer key set could not be fetched; answering 503');
    expect(warnings.length).toBe(fetches);
    expect(warnings[0]).toMatchObject({ level: 40, err: { message: expect.stringContaining('200 OK') } });
  });

  it('takes the same token once the key set answers, and still refuses a token of a key it does not hold', async () => {
    available = true;
    await sleep(1100);
    const graphql = await stack.graphql(LOCATIONS, {}, token);
    expect(graphql.status).toBe(200);
    expect(graphql.body.data).toEqual({ locations: { nodes: [{ id: '1' }, { id: '2' }] } });
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeJwt(token))
      .setProtectedHeader({ alg: 'RS256', kid: 'not-in-the-set' })
      .sign(privateKey);
    const refused = await stack.graphql(LOCATIONS, {}, forged);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
