import { type Principal, manyByKey } from '@pos/kit';
import type { LoyaltyTransaction } from './ledger.entity';
import type { LedgerService } from './ledger.service';

/** Per-request loaders of ledger rows by order. */
export function createLedgerLoaders(ledger: LedgerService, principal: Principal | null) {
  return {
    byOrder: manyByKey<string, LoyaltyTransaction>(
      (orderIds) => (principal ? ledger.byOrderIds(principal, orderIds) : Promise.resolve([])),
      (row) => row.orderId as string,
    ),
  };
}
