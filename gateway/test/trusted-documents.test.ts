import { createHash } from 'node:crypto';
import type { Principal } from '@pos/kit';
import { type TrustedDocumentsOptions, TrustedDocuments } from '../src/trusted-documents';

/**
 * TrustedDocuments on its own (the HTTP and graphql-ws behaviour is test/e2e/trusted-documents.test.ts): the modes'
 * edges that need no server.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const TRUSTED = 'query Trusted { __typename }';
const manifest = { [`sha256:${sha256(TRUSTED)}`]: TRUSTED };
const byHash = (hash: string, query?: string) => ({
  query,
  extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
});

const principal = (kind: Principal['kind'], clientId: string | null = null): Principal => ({
  tenantId: 'demo',
  subject: clientId ?? 'someone',
  kind,
  clientId,
  scopes: [],
  locationIds: null,
});

function documents(mode: TrustedDocumentsOptions['mode'], extra: Partial<TrustedDocumentsOptions> = {}) {
  const asked: string[] = [];
  const trusted = new TrustedDocuments({
    mode,
    manifest,
    clientSendsFreeDocuments: async (clientId) => {
      asked.push(clientId);
      return clientId === 'partner';
    },
    ...extra,
  });
  return { trusted, asked };
}

it('refuses a manifest whose id is not the SHA-256 of its text (unless it is off)', () => {
  const tampered = { [`sha256:${sha256(TRUSTED)}`]: 'mutation Other { __typename }' };
  expect(() => documents('allow', { manifest: tampered })).toThrow('is not the SHA-256 of its document');
  expect(() => documents('require', { manifest: { 'not-a-hash': TRUSTED } })).toThrow();
  expect(documents('off', { manifest: tampered }).trusted.trustedCount).toBe(0);
});

it('off ignores the manifest: its hashes are unknown until their text is sent', async () => {
  const { trusted } = documents('off');
  const user = principal('user');
  expect(await trusted.resolveDocument(byHash(sha256(TRUSTED)), user)).toMatchObject({
    ok: false,
    error: { message: 'PersistedQueryNotFound' },
  });
  expect(await trusted.resolveDocument(byHash(sha256(TRUSTED), TRUSTED), user)).toEqual({
    ok: true,
    query: TRUSTED,
    trusted: false,
  });
  expect(await trusted.resolveDocument(byHash(sha256(TRUSTED)), user)).toMatchObject({ ok: true, query: TRUSTED });
});

it('looks the client up only under require, and only for a document not in the manifest', async () => {
  const allow = documents('allow');
  await allow.trusted.resolveDocument({ query: '{ __typename }' }, principal('m2m', 'first-party'));
  expect(allow.asked).toEqual([]);

  const required = documents('require');
  await required.trusted.resolveDocument({ documentId: `sha256:${sha256(TRUSTED)}` }, principal('m2m', 'first-party'));
  expect(required.asked).toEqual([]);
  const refused = await required.trusted.resolveDocument({ query: '{ __typename }' }, principal('m2m', 'first-party'));
  expect(refused).toMatchObject({
    ok: false,
    status: 400,
    error: { extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' } },
  });
  const partner = await required.trusted.resolveDocument({ query: '{ __typename }' }, principal('m2m', 'partner'));
  expect(partner).toMatchObject({ ok: true, query: '{ __typename }' });
  expect(required.asked).toEqual(['first-party', 'partner']);
  // API keys are partners' integrations; POS users are the first-party app.
  expect(await required.trusted.resolveDocument({ query: '{ __typename }' }, principal('loyaltyOrg'))).toMatchObject({
    ok: true,
  });
  expect(await required.trusted.resolveDocument({ query: '{ __typename }' }, principal('user'))).toMatchObject({
    ok: false,
  });
});

it('keeps registered documents within their budget, dropping the least recently used', async () => {
  const { trusted } = documents('allow', { registeredBudgetChars: 40 });
  const caller = principal('m2m', 'partner');
  const texts = ['query A { __typename }', 'query B { __typename }', 'query C { __typename }'];
  await trusted.resolveDocument(byHash(sha256(texts[0]), texts[0]), caller);
  await trusted.resolveDocument(byHash(sha256(texts[1]), texts[1]), caller);
  // 22 characters each: the second pushed the first out.
  expect(await trusted.resolveDocument(byHash(sha256(texts[0])), caller)).toMatchObject({ ok: false });
  expect(await trusted.resolveDocument(byHash(sha256(texts[1])), caller)).toMatchObject({ ok: true, query: texts[1] });
  await trusted.resolveDocument(byHash(sha256(texts[2]), texts[2]), caller);
  expect(await trusted.resolveDocument(byHash(sha256(texts[1])), caller)).toMatchObject({ ok: false });
});

it('refuses malformed ids and versions in the words Apollo Server uses', async () => {
  const { trusted } = documents('allow');
  const caller = principal('user');
  expect(
    await trusted.resolveDocument({ extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } }, caller),
  ).toMatchObject({ ok: false, status: 400, error: { message: 'Unsupported persisted query version' } });
  expect(await trusted.resolveDocument({ documentId: 42 }, caller)).toMatchObject({ ok: false, status: 400 });
  expect(await trusted.resolveDocument({ documentId: 'sha256:nothex' }, caller)).toMatchObject({
    ok: false,
    status: 200,
    error: { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
  });
});
