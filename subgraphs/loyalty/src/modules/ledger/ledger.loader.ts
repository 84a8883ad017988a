import { type Principal, pagesByParent } from '@pos/kit';
import type { LoyaltyTransaction } from './ledger.entity';
import type { LedgerService } from './ledger.service';

/** Per-request loaders of ledger pages by order: the same page of many orders' transactions in one query. */
export function createLedgerLoaders(ledger: LedgerService, principal: Principal | null) {
  return {
    pagesByOrder: pagesByParent<string, LoyaltyTransaction, null>((orderIds, _query, page) =>
      principal ? ledger.pagesByOrder(principal, orderIds, page) : Promise.resolve(new Map()),
    ),
  };
}
