import { createPubSub } from '@graphql-yoga/subscription';
import {
  IdempotencyRecord,
  type SubgraphDefinition,
  buildFederatedSchema,
  purposeKey,
  settingsOf,
  systemClock,
} from '@pos/kit';
import { loyaltyEnv } from './config';
import { type LoyaltyContext, type LoyaltyRuntime, buildContext } from './context';
import { migrations } from './migrations';
import { LoyaltyActionResolver } from './modules/action/loyalty.resolver';
import { Coupon } from './modules/coupon/coupon.entity';
import { CouponResolver } from './modules/coupon/coupon.resolver';
import { LoyaltyCustomer } from './modules/customer/customer.entity';
import { customerReference } from './modules/customer/customer.reference';
import { CustomerResolver } from './modules/customer/customer.resolver';
import { LoyaltyTransaction } from './modules/ledger/ledger.entity';
import { LoyaltyTransactionResolver, OrderLoyaltyResolver } from './modules/ledger/ledger.resolver';
import { OrderRef } from './modules/order/order.type';
import { LoyaltyOrg } from './modules/org/org.entity';
import { PinChallenge } from './modules/pin/pin-challenge.entity';
import { PinChallengeHub } from './modules/pin/pin-challenge.hub';
import { PinFailure } from './modules/pin/pin-failure.entity';
import { PinResolver } from './modules/pin/pin.resolver';
import { PinService } from './modules/pin/pin.service';
import { LoyaltyProgramChange } from './modules/program/program-change.entity';
import { ProgramResolver } from './modules/program/program.resolver';
import { seedDemo } from './seed';

/**
 * The loyalty subgraph: orgs (programs) and their settings, customers, the ledger, coupons and PIN challenges, and
 * Subscription.loyaltyPinChallenges (a customer's PINs, live).
 */
export const loyalty: SubgraphDefinition<LoyaltyContext, LoyaltyRuntime> = {
  name: 'loyalty',
  pgSchema: 'loyalty',
  defaultPort: 4004,
  entities: [
    LoyaltyOrg,
    LoyaltyProgramChange,
    LoyaltyCustomer,
    LoyaltyTransaction,
    Coupon,
    PinChallenge,
    PinFailure,
    IdempotencyRecord,
  ],
  migrations,
  env: loyaltyEnv,
  subscriptions: true,
  buildSchema: () =>
    buildFederatedSchema(
      {
        resolvers: [
          CustomerResolver,
          LoyaltyActionResolver,
          OrderLoyaltyResolver,
          LoyaltyTransactionResolver,
          CouponResolver,
          PinResolver,
          ProgramResolver,
        ],
        // Reached from no field of this subgraph: the gateway brings it, from orders, for its loyaltyTransactions.
        orphanedTypes: [OrderRef],
        // type-graphql requires a pubSub whenever a schema has subscriptions; ours is fed by the PIN challenge hub
        // through `subscribe`, so this one never carries an event.
        pubSub: createPubSub(),
      },
      customerReference,
    ),
  async createRuntime({ orm, logger, config }) {
    const settings = settingsOf(loyaltyEnv, config);
    const master = settings.KEY_ENCRYPTION_KEY;
    const clock = systemClock();
    const pinLock = {
      challenges: settings.LOYALTY_PIN_LOCK_CHALLENGES,
      windowMs: settings.LOYALTY_PIN_LOCK_WINDOW_SECONDS * 1000,
    };
    const keys = {
      pin: { hash: purposeKey(master, 'loyalty/pin-hash'), seal: purposeKey(master, 'loyalty/pin-seal') },
      coupon: purposeKey(master, 'loyalty/coupon-token'),
    };
    // The hub reads a customer's state as the dashboard does, each time with an EntityManager of its own. The
    // runtime's clock object, not its current `now`: tests move it.
    const pinChallenges = new PinChallengeHub(
      (customerId) => new PinService(orm.em.fork(), keys.pin, clock, pinLock).state(customerId),
      config.DATABASE_URL,
      logger,
      clock,
    );
    await pinChallenges.start();
    return { clock, pinLock, keys, pinChallenges, close: () => pinChallenges.close() };
  },
  buildContext,
  seedDemo,
};
