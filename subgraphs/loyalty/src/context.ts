import DataLoader from 'dataloader';
import type { Clock, RequestContext, SubgraphRuntime } from '@pos/kit';
import { LoyaltyService } from './modules/action/loyalty.service';
import { CouponTokenService } from './modules/coupon/coupon.service';
import { createCustomerLoader } from './modules/customer/customer.loader';
import { CustomerService } from './modules/customer/customer.service';
import { createLedgerLoaders } from './modules/ledger/ledger.loader';
import { LedgerService } from './modules/ledger/ledger.service';
import type { PinChallengeHub } from './modules/pin/pin-challenge.hub';
import { type PinKeys, type PinLockSettings, PinService } from './modules/pin/pin.service';
import { ProgramService } from './modules/program/program.service';

export interface LoyaltyRuntime extends SubgraphRuntime {
  /** The time PIN challenges are issued and expire by; tests replace `now` to move past the 90 s. */
  clock: Clock;
  keys: { pin: PinKeys; coupon: Buffer };
  pinLock: PinLockSettings;
  /** Feeds the signed-in customers' PIN challenges to their subscriptions (Subscription.loyaltyPinChallenges). */
  pinChallenges: PinChallengeHub;
}

export function buildContext(base: RequestContext, runtime: LoyaltyRuntime) {
  const pins = new PinService(base.em, runtime.keys.pin, runtime.clock, runtime.pinLock, runtime.pinChallenges);
  const coupons = new CouponTokenService(runtime.keys.coupon, base.principal);
  const ledgerService = new LedgerService(base.em);
  const services = {
    customers: new CustomerService(base.em),
    ledger: ledgerService,
    pins,
    coupons,
    loyalty: new LoyaltyService(base.em, { pins, clock: runtime.clock, coupons }),
    programs: new ProgramService(base.em, runtime.clock),
  };
  const ledger = createLedgerLoaders(ledgerService, base.principal);
  return {
    ...base,
    runtime,
    services,
    loaders: {
      customer: createCustomerLoader(services.customers, base.principal),
      pinLockedUntil: new DataLoader((ids: readonly string[]) => pins.lockedUntil(ids)),
      transactionPagesByOrder: ledger.pagesByOrder,
    },
  };
}

export type LoyaltyContext = ReturnType<typeof buildContext>;
