import DataLoader from 'dataloader';
import { type Principal, manyByKey } from '@pos/kit';
import type { LoyaltyTransaction } from './ledger.entity';
import type { LedgerService } from './ledger.service';

/** Per-request loaders of ledger rows: by customer (one loader per page size and cursor) and by order. */
export function createLedgerLoaders(ledger: LedgerService, principal: Principal | null) {
  const pages = new Map<string, DataLoader<string, LoyaltyTransaction[]>>();
  return {
    /** Customers are already visible to the caller when their transactions are asked for. */
    transactionsOf(first: number, before: Date | null) {
      const key = `${first}|${before?.toISOString() ?? ''}`;
      let loader = pages.get(key);
      if (!loader) {
        loader = manyByKey(
          (ids) => ledger.latestOf(ids, first, before),
          (row) => row.customer.id,
        );
        pages.set(key, loader);
      }
      return loader;
    },
    byOrder: manyByKey<string, LoyaltyTransaction>(
      (orderIds) => (principal ? ledger.byOrderIds(principal, orderIds) : Promise.resolve([])),
      (row) => row.orderId as string,
    ),
  };
}
