import { randomUUID } from 'node:crypto';
import { type Client as SseClient, createClient as createSseClient } from 'graphql-sse';
import type { Client } from 'graphql-ws';
import type { LoyaltyRuntime } from '@pos/loyalty/src/context';
import { type Stack, startStack } from '../support/stack';
import { gatewayWsClient } from '../support/ws';
import { until } from '@pos/testing';

/**
 * Subscription.loyaltyPinChallenges end to end: the loyalty subgraph's own subscription, carried by the gateway's
 * federated subscription path (upstream over graphql-ws to the loyalty subgraph, not to payments), to a customer
 * signed in with their dashboard key over graphql-ws (the key in connection_init) and over GraphQL over SSE (the
 * key as X-Api-Key). A POS's redeem without a PIN issues a challenge the customer sees within 2 s; the redeem with
 * the PIN answers it and the customer sees it gone; another customer never sees it; nobody but a customer key may
 * subscribe.
 */

const ORG_KEY = 'demo-loyalty-balanced';
/** Balanced org: redeeming needs the PIN. 582193 has 500 points; 582194 is another customer of the same org. */
const CUSTOMER = '582193';
const OTHER_CUSTOMER = '582194';
const customerKey = (code: string) => `demo-customer-${code}`;

const PINS = `subscription Pins {
  loyaltyPinChallenges {
    pendingPins { challengeId action pin expiresAt orgName }
    pinLockedUntil
  }
}`;

interface PinState {
  pendingPins: Array<{ challengeId: string; action: string; pin: string; expiresAt: string; orgName: string }>;
  pinLockedUntil: string | null;
}

interface Collected {
  states: PinState[];
  /** Results carrying errors (a refusal by the subgraph arrives as one). */
  errored: any[];
  /** Errors the client library reported (a refused connection or request). */
  failures: unknown[];
  stop(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Subscription.loyaltyPinChallenges through the gateway', () => {
  let stack: Stack;
  const cleanups: Array<() => void | Promise<void>> = [];
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await stack?.close();
  });

  const hub = () => (stack.subgraphs.loyalty.runtime as LoyaltyRuntime).pinChallenges;
  const subs = () => stack.gateway.subscriptions;
  const settled = () =>
    until(
      () => subs().subscriberCount === 0 && subs().upstreamCount === 0 && hub().subscriberCount === 0,
      'earlier subscriptions to close',
    );

  function collector(): Collected {
    return { states: [], errored: [], failures: [], stop: () => undefined };
  }
  const onResult = (collected: Collected) => (result: any) => {
    if (result.errors?.length) collected.errored.push(result);
    else collected.states.push(result.data.loyaltyPinChallenges);
  };

  /** Over graphql-ws, with `connectionParams` as the page sends them. */
  function overWs(connectionParams: Record<string, string>): Collected {
    const client: Client = gatewayWsClient(stack.gatewayUrl, 'unused', { connectionParams });
    cleanups.push(() => client.dispose());
    const collected = collector();
    const stop = client.subscribe(
      { query: PINS },
      { next: onResult(collected), error: (error) => collected.failures.push(error), complete: () => undefined },
    );
    collected.stop = () => {
      stop();
      void client.dispose();
    };
    return collected;
  }

  /** Over GraphQL over SSE (graphql-sse's client, distinct connections), with `headers` on its requests. */
  function overSse(headers: Record<string, string>): Collected {
    const client: SseClient = createSseClient({ url: stack.gatewayUrl, headers, retryAttempts: 0 });
    cleanups.push(() => client.dispose());
    const collected = collector();
    const stop = client.subscribe(
      { query: PINS },
      { next: onResult(collected), error: (error) => collected.failures.push(error), complete: () => undefined },
    );
    collected.stop = () => {
      stop();
      client.dispose();
    };
    return collected;
  }

  /** The POS's redeem of one point (POST /webhook/redeem with the org's key), with or without the PIN. */
  async function redeem(code: string, pin?: string) {
    const response = await fetch(`${stack.origin}/webhook/redeem`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ORG_KEY },
      body: JSON.stringify({
        customer_code: Number(code),
        value: 1,
        card_type: 'point',
        external_id: `sub-${randomUUID()}`,
        ...(pin ? { verification_pin: pin } : {}),
      }),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  const shows = (collected: Collected, challengeId: string) =>
    collected.states.some((s) => s.pendingPins.some((p) => p.challengeId === challengeId));
  const last = (collected: Collected) => collected.states[collected.states.length - 1];

  it('shows a challenge the POS got a 412 for within 2 s, over graphql-ws and SSE, and takes it away once answered', async () => {
    await settled();
    const ws = overWs({ 'X-Api-Key': customerKey(CUSTOMER) });
    const sse = overSse({ 'x-api-key': customerKey(CUSTOMER) });
    const other = overWs({ 'X-Api-Key': customerKey(OTHER_CUSTOMER) });
    // Both transports of one customer share one stream upstream; the other customer has their own.
    await until(() => subs().subscriberCount === 3 && hub().subscriberCount === 2, 'the three subscriptions');
    expect(subs().upstreamCount).toBe(2);
    // A new stream starts with the customer's current state: nothing pending.
    await until(() => ws.states.length >= 1 && other.states.length >= 1, 'the current states');
    expect(ws.states[0]).toEqual({ pendingPins: [], pinLockedUntil: null });

    const asked = await redeem(CUSTOMER);
    expect(asked.status).toBe(412);
    const challengeId = asked.body.challenge_id as string;
    const issuedAt = Date.now();
    await until(() => shows(ws, challengeId) && shows(sse, challengeId), 'the challenge on both transports', 2_000);
    expect(Date.now() - issuedAt).toBeLessThan(2_000);
    for (const collected of [ws, sse]) {
      expect(last(collected)).toEqual({
        pendingPins: [
          {
            challengeId,
            action: 'REDEEM',
            pin: expect.stringMatching(/^\d{4}$/),
            expiresAt: asked.body.expires_at,
            orgName: 'Demo balanced rewards',
          },
        ],
        pinLockedUntil: null,
      });
    }

    // The PIN as the customer reads it off their page: the redeem goes through, and the challenge is gone.
    const pin = last(ws).pendingPins[0].pin;
    const answered = await redeem(CUSTOMER, pin);
    expect(answered.status).toBe(200);
    await until(() => last(ws).pendingPins.length === 0 && last(sse).pendingPins.length === 0, 'the challenge gone');
    expect(last(ws)).toEqual({ pendingPins: [], pinLockedUntil: null });

    // The other customer of the same org saw nothing of it: their current state, and no other.
    await sleep(300);
    expect(other.states).toEqual([{ pendingPins: [], pinLockedUntil: null }]);
    for (const c of [ws, sse, other]) {
      expect(c.errored).toEqual([]);
      expect(c.failures).toEqual([]);
    }
    for (const c of [ws, sse, other]) c.stop();
    await settled();
  });

  it('sends a state only when what the customer sees changes: a wrong PIN with attempts left sends nothing', async () => {
    await settled();
    const ws = overWs({ 'X-Api-Key': customerKey(CUSTOMER) });
    await until(() => ws.states.length >= 1, 'the current state');
    const asked = await redeem(CUSTOMER);
    expect(asked.status).toBe(412);
    await until(() => shows(ws, asked.body.challenge_id), 'the challenge');
    const pin = last(ws).pendingPins[0].pin;
    const wrong = String((Number(pin) + 1) % 10_000).padStart(4, '0');
    const refused = await redeem(CUSTOMER, wrong);
    expect(refused.status).toBe(422);
    await sleep(300);
    expect(ws.states).toHaveLength(2);
    // A fresh challenge supersedes the open one: one state, with the new one only.
    const again = await redeem(CUSTOMER);
    expect(again.status).toBe(412);
    await until(() => shows(ws, again.body.challenge_id), 'the fresh challenge');
    expect(last(ws).pendingPins.map((p) => p.challengeId)).toEqual([again.body.challenge_id]);
    expect((await redeem(CUSTOMER, last(ws).pendingPins[0].pin)).status).toBe(200);
    await until(() => last(ws).pendingPins.length === 0, 'the challenge gone');
    ws.stop();
    await settled();
  });

  it('refuses every caller but a customer key with FORBIDDEN, over graphql-ws and SSE', async () => {
    await settled();
    const partner = await stack.token();
    const refusals = [
      overWs({ Authorization: `Bearer ${partner}` }),
      overWs({ 'X-Api-Key': ORG_KEY }),
      overSse({ authorization: `Bearer ${partner}` }),
      overSse({ 'x-api-key': ORG_KEY }),
    ];
    await until(() => refusals.every((r) => r.errored.length > 0), 'the refusals');
    for (const refused of refusals) {
      expect(refused.states).toEqual([]);
      expect(refused.errored[0].errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
      ]);
      refused.stop();
    }
    expect(hub().subscriberCount).toBe(0);

    // A wrong key is refused before anything runs: the socket closes with 4403, the SSE request with a 401.
    const badWs = overWs({ 'X-Api-Key': 'demo-customer-000000' });
    const badSse = overSse({ 'x-api-key': 'demo-customer-000000' });
    await until(() => badWs.failures.length > 0 && badSse.failures.length > 0, 'the refusals of a wrong key');
    expect((badWs.failures[0] as { code?: number }).code).toBe(4403);
    expect((badSse.failures[0] as { response?: Response }).response?.status).toBe(401);
    // A key and a token on one connection could be either caller: refused too.
    const both = overWs({ 'X-Api-Key': customerKey(CUSTOMER), Authorization: `Bearer ${partner}` });
    await until(() => both.failures.length > 0, 'the refusal of two credentials');
    expect((both.failures[0] as { code?: number }).code).toBe(4403);
    await settled();
  });
});
