import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import type { Client } from 'graphql-ws';
import { DashboardCursorDocument, DashboardDocument, persistedQueryHash, trustedDocuments } from '@pos/client';
import { ApiClient } from '@pos/gateway/src/identity/identity.entities';
import { postBody as post } from '../support/graphql';
import { payOrder } from '../support/payments';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';

/**
 * Trusted documents (docs/graphql/typed-client.md): operations sent by hash from @pos/client's manifest, in the
 * request shapes clients send (Apollo's extensions.persistedQuery, GraphQL over HTTP's documentId), over HTTP and
 * graphql-ws, under TRUSTED_DOCUMENTS=allow and =require.
 */

const CURSOR_HASH = persistedQueryHash(DashboardCursorDocument);
const DASHBOARD_HASH = persistedQueryHash(DashboardDocument);
const UNKNOWN_HASH = createHash('sha256').update('query Unknown { __typename }').digest('hex');
const FREE_QUERY = '{ locations { nodes { id } } }';
const persistedQuery = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

const opened: Client[] = [];
afterAll(async () => {
  for (const client of opened) await client.dispose();
});

/** The first result (or the errors) of one operation over graphql-ws. */
function overWs(stack: Stack, token: string, payload: Record<string, unknown>): Promise<{ data?: any; errors?: any }> {
  const client = gatewayWsClient(stack.gatewayUrl, token);
  opened.push(client);
  return new Promise((resolve) => {
    const stop = client.subscribe(
      { query: '', ...payload },
      {
        next: (result) => {
          resolve(result);
          setImmediate(() => stop());
        },
        error: (errors) => resolve({ errors }),
        complete: () => undefined,
      },
    );
  });
}

/**
 * Apollo Client configured as docs/graphql/typed-client.md says (the persisted query link with @pos/client's
 * hashes), over HTTP: queries as JSON, subscriptions as multipart HTTP. `sent` records every request body.
 */
function apolloClient(stack: Stack, token: string) {
  const sent: any[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    sent.push(typeof init?.body === 'string' ? JSON.parse(init.body) : null);
    return fetch(input, init);
  };
  const client = new ApolloClient({
    link: createPersistedQueryLink({ generateHash: persistedQueryHash }).concat(
      new HttpLink({ uri: stack.gatewayUrl, headers: { authorization: `Bearer ${token}` }, fetch: recordingFetch }),
    ),
    cache: new InMemoryCache(),
  });
  return { client, sent };
}

/** A payment committed after a cursor fetched by hash, then delivered to a subscription started by hash. */
async function subscribesByHash(stack: Stack, userToken: string, partnerToken: string) {
  const cursor = await post(stack, { extensions: persistedQuery(CURSOR_HASH) }, userToken);
  expect(cursor.body.errors).toBeUndefined();
  const { paymentId } = await payOrder(stack, partnerToken, { locationId: '1' });
  const first = await overWs(stack, userToken, {
    extensions: persistedQuery(DASHBOARD_HASH),
    variables: { after: cursor.body.data.paymentEventsCursor },
  });
  expect(first.errors).toBeUndefined();
  expect(first.data.paymentEvents).toMatchObject({
    type: 'PAYMENT_APPROVED',
    location: { id: '1' },
    payload: { paymentId, amount: { amountMinor: 1500, currency: 'USD' } },
  });
}

it('the manifest holds the SHA-256 of each document as its GraphQL-over-HTTP id', () => {
  for (const [id, text] of Object.entries(trustedDocuments)) {
    expect(id).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
  }
  expect(Object.keys(trustedDocuments)).toEqual(
    expect.arrayContaining([`sha256:${CURSOR_HASH}`, `sha256:${DASHBOARD_HASH}`]),
  );
});

describe('TRUSTED_DOCUMENTS=allow (the default)', () => {
  let stack: Stack;
  let user: string;
  let partner: string;
  beforeAll(async () => {
    stack = await startStack();
    user = await stack.userToken('manager@demo.example');
    partner = await stack.token();
  });
  afterAll(() => stack?.close());

  it('runs a known hash sent as extensions.persistedQuery, as documentId, and in a GET query string', async () => {
    const byApollo = await post(stack, { extensions: persistedQuery(CURSOR_HASH) }, user);
    expect(byApollo.status).toBe(200);
    expect(byApollo.body.errors).toBeUndefined();
    expect(typeof byApollo.body.data.paymentEventsCursor).toBe('string');

    const byDocumentId = await post(stack, { documentId: `sha256:${CURSOR_HASH}` }, user);
    expect(byDocumentId.body.errors).toBeUndefined();
    expect(typeof byDocumentId.body.data.paymentEventsCursor).toBe('string');

    const search = new URLSearchParams({ extensions: JSON.stringify(persistedQuery(CURSOR_HASH)) });
    const byGet = await fetch(`${stack.gatewayUrl}?${search}`, {
      headers: { authorization: `Bearer ${user}`, 'apollo-require-preflight': 'true' },
    });
    const getBody = (await byGet.json()) as any;
    expect(getBody.errors).toBeUndefined();
    expect(typeof getBody.data.paymentEventsCursor).toBe('string');
  });

  it('answers an unknown hash with PersistedQueryNotFound, then registers it when its text comes with it', async () => {
    const unknown = await post(stack, { extensions: persistedQuery(UNKNOWN_HASH) }, user);
    expect(unknown.status).toBe(200);
    expect(unknown.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    expect(unknown.body).toEqual({
      errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
    const byId = await post(stack, { documentId: `sha256:${UNKNOWN_HASH}` }, user);
    expect(byId.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    // Apollo Client's persisted query link falls back to sending the text with its hash: it runs and is kept.
    const withText = await post(
      stack,
      { query: 'query Unknown { __typename }', extensions: persistedQuery(UNKNOWN_HASH) },
      user,
    );
    expect(withText.body).toMatchObject({ data: { __typename: 'Query' } });
    expect(withText.body.errors).toBeUndefined();
    const again = await post(stack, { extensions: persistedQuery(UNKNOWN_HASH) }, user);
    expect(again.body).toMatchObject({ data: { __typename: 'Query' } });

    const wrongHash = await post(stack, { query: FREE_QUERY, extensions: persistedQuery(UNKNOWN_HASH) }, user);
    expect(wrongHash.status).toBe(400);
    expect(wrongHash.body.errors[0]).toMatchObject({ message: 'provided sha does not match query' });
  });

  it("accepts a first-party app's free document", async () => {
    const free = await post(stack, { query: FREE_QUERY }, user);
    expect(free.status).toBe(200);
    expect(free.body.errors).toBeUndefined();
    expect(free.body.data.locations.nodes.length).toBeGreaterThan(0);
  });

  it('subscribes by hash over graphql-ws', () => subscribesByHash(stack, user, partner));

  it('answers an unknown hash over graphql-ws with PersistedQueryNotFound', async () => {
    const unknown = await overWs(stack, user, {
      extensions: persistedQuery(createHash('sha256').update('x').digest('hex')),
    });
    expect(unknown.errors).toEqual([
      { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
    ]);
  });
});

describe('TRUSTED_DOCUMENTS=require', () => {
  let stack: Stack;
  let user: string;
  let partner: string;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { TRUSTED_DOCUMENTS: 'require' } });
    // other-partner's client stands for a first-party app that authenticates as an M2M client.
    await stack.gateway.orm.em.fork().nativeUpdate(ApiClient, { clientId: 'other-partner' }, { freeDocuments: false });
    user = await stack.userToken('manager@demo.example');
    partner = await stack.token();
  });
  afterAll(() => stack?.close());

  it('runs a known hash for a first-party app', async () => {
    const known = await post(stack, { documentId: `sha256:${CURSOR_HASH}` }, user);
    expect(known.body.errors).toBeUndefined();
    expect(typeof known.body.data.paymentEventsCursor).toBe('string');
    // The manifest's text runs whatever text came with the hash: its selections (with the __typename Apollo
    // Client's cache needs, which @pos/client's documents ask for everywhere), not the text's.
    const withText = await post(stack, { query: FREE_QUERY, extensions: persistedQuery(CURSOR_HASH) }, user);
    expect(withText.body.data).toEqual({ __typename: 'Query', paymentEventsCursor: expect.any(String) });
  });

  it("refuses a first-party app's free document, over HTTP and over graphql-ws", async () => {
    const refusal = {
      message: expect.stringContaining('may only send trusted documents'),
      extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' },
    };
    const free = await post(stack, { query: FREE_QUERY }, user);
    expect(free.status).toBe(400);
    expect(free.body).toEqual({ errors: [refusal] });

    // An M2M client flagged as first-party (free_documents off) too.
    const firstPartyClient = await stack.token('other-partner', 'other-secret');
    const fromClient = await post(stack, { query: FREE_QUERY }, firstPartyClient);
    expect(fromClient.status).toBe(400);
    expect(fromClient.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ID_REQUIRED');

    // Nor may it register one of its own by sending the text with the hash.
    const registering = await post(
      stack,
      { query: 'query Unknown { __typename }', extensions: persistedQuery(UNKNOWN_HASH) },
      user,
    );
    expect(registering.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ID_REQUIRED');

    const overWsFree = await overWs(stack, user, { query: 'subscription { paymentEvents { id } }' });
    expect(overWsFree.errors).toEqual([refusal]);
  });

  it('answers an unknown hash with PersistedQueryNotFound', async () => {
    const unknown = await post(stack, { extensions: persistedQuery(UNKNOWN_HASH) }, user);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({
      errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
  });

  it("accepts a partner's free documents, and what it registers runs for it alone", async () => {
    const free = await post(stack, { query: FREE_QUERY }, partner);
    expect(free.status).toBe(200);
    expect(free.body.errors).toBeUndefined();
    expect(free.body.data.locations.nodes.length).toBeGreaterThan(0);

    const text = 'query PartnerOwn { locations { nodes { id } } }';
    const hash = createHash('sha256').update(text).digest('hex');
    const registered = await post(stack, { query: text, extensions: persistedQuery(hash) }, partner);
    expect(registered.body.errors).toBeUndefined();
    expect((await post(stack, { extensions: persistedQuery(hash) }, partner)).body.errors).toBeUndefined();
    // A first-party app runs the manifest's documents only, not what a partner registered.
    const byUser = await post(stack, { extensions: persistedQuery(hash) }, user);
    expect(byUser.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('subscribes by hash over graphql-ws', () => subscribesByHash(stack, user, partner));

  it("serves Apollo Client's persisted query link by hash: a query, and a subscription over multipart HTTP", async () => {
    const { client, sent } = apolloClient(stack, user);
    try {
      const { data } = await client.query({ query: DashboardCursorDocument, fetchPolicy: 'no-cache' });
      expect(typeof data?.paymentEventsCursor).toBe('string');
      // By hash alone: a text fallback would have been refused.
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ extensions: persistedQuery(CURSOR_HASH), operationName: 'DashboardCursor' });
      expect(sent[0].query).toBeUndefined();

      const events: any[] = [];
      const errors: unknown[] = [];
      const subscription = client
        .subscribe({
          query: DashboardDocument,
          variables: { after: data!.paymentEventsCursor },
          fetchPolicy: 'no-cache',
        })
        .subscribe({
          next: (result) => (result.error ? errors.push(result.error) : events.push(result.data)),
          error: (error) => errors.push(error),
        });
      try {
        const { paymentId } = await payOrder(stack, partner, { locationId: '1' });
        const deadline = Date.now() + 10_000;
        while (!events.length && !errors.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(errors).toEqual([]);
        expect(events[0].paymentEvents).toMatchObject({ type: 'PAYMENT_APPROVED', payload: { paymentId } });
        expect(sent[1]).toMatchObject({ extensions: persistedQuery(DASHBOARD_HASH) });
        expect(sent[1].query).toBeUndefined();
      } finally {
        subscription.unsubscribe();
      }
    } finally {
      client.stop();
    }
  });
});
