import { createLogger, systemClock } from '@pos/kit';
import { createTestDatabase, until } from '@pos/testing';
import { Client } from 'pg';
import { LoyaltyAction } from '../src/modules/pin/pin-challenge.entity';
import { PIN_CHALLENGES_CHANNEL, PinChallengeHub, type PinChallengeState } from '../src/modules/pin/pin-challenge.hub';

/**
 * The PIN challenge hub on a real PostgreSQL LISTEN, with the customer's state read from a stub: a new subscription
 * gets the current state, a notification for the customer sends the state again only when what they see changed,
 * nobody else's notification reaches them, and an expiry (which no write notifies) sends the state without the PIN.
 */
describe('PinChallengeHub', () => {
  let databaseUrl: string;
  let hub: PinChallengeHub;
  let notifier: Client;
  const states = new Map<string, PinChallengeState>();
  let reads = 0;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    hub = new PinChallengeHub(
      async (customerId) => {
        reads++;
        return states.get(customerId) ?? { pendingPins: [], pinLockedUntil: null };
      },
      databaseUrl,
      createLogger('loyalty-test', 'warn'),
      systemClock(),
    );
    await hub.start();
    notifier = new Client({ connectionString: databaseUrl });
    await notifier.connect();
  });
  afterAll(async () => {
    await notifier?.end();
    await hub?.close();
  });

  const notify = (tenantId: string, customerId: string) =>
    notifier.query('select pg_notify($1, $2)', [PIN_CHALLENGES_CHANNEL, JSON.stringify({ tenantId, customerId })]);
  const pin = (challengeId: string, expiresInMs: number) => ({
    challengeId,
    action: LoyaltyAction.REDEEM,
    pin: '1234',
    expiresAt: new Date(Date.now() + expiresInMs),
    orgName: 'Demo balanced rewards',
  });
  /** Collects what a subscription receives, in the background. */
  function collect(stream: AsyncIterableIterator<PinChallengeState>) {
    const received: PinChallengeState[] = [];
    void (async () => {
      for await (const state of stream) received.push(state);
    })();
    return received;
  }
  const ids = (state: PinChallengeState | undefined) => state?.pendingPins.map((p) => p.challengeId);

  it('sends the current state, then each visible change of this customer only, and the state after an expiry', async () => {
    states.set('c1', { pendingPins: [pin('old', 60_000)], pinLockedUntil: null });
    const stream = hub.subscribe('demo', 'c1');
    const other = hub.subscribe('demo', 'c2');
    const mine = collect(stream);
    const theirs = collect(other);
    await until(() => mine.length === 1 && theirs.length === 1, 'the current states');
    expect(ids(mine[0])).toEqual(['old']);
    expect(hub.subscriberCount).toBe(2);

    // A notification that changes nothing visible (a wrong PIN with attempts left) sends nothing.
    const readsBefore = reads;
    await notify('demo', 'c1');
    await until(() => reads > readsBefore, 'the read');
    await new Promise((r) => setTimeout(r, 100));
    expect(mine).toHaveLength(1);

    // A fresh challenge, expiring soon: sent; another tenant's customer with the same id hears nothing of it.
    states.set('c1', { pendingPins: [pin('fresh', 300)], pinLockedUntil: null });
    const readsThen = reads;
    await notify('other', 'c1');
    await new Promise((r) => setTimeout(r, 100));
    expect(reads).toBe(readsThen);
    expect(mine).toHaveLength(1);
    await notify('demo', 'c1');
    await until(() => mine.length === 2, 'the fresh challenge');
    expect(ids(mine[1])).toEqual(['fresh']);

    // Its expiry writes nothing: the hub reads again once it has passed and sends the state without it.
    states.set('c1', { pendingPins: [], pinLockedUntil: null });
    await until(() => mine.length === 3, 'the state after the expiry', 2_000);
    expect(mine[2]).toEqual({ pendingPins: [], pinLockedUntil: null });
    expect(theirs).toEqual([{ pendingPins: [], pinLockedUntil: null }]);

    await stream.return!();
    await other.return!();
    expect(hub.subscriberCount).toBe(0);
  });
});
