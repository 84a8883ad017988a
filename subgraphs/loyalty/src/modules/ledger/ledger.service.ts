import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '@pos/kit';
import { customerReadScope } from '../customer/customer.service';
import { LoyaltyTransaction } from './ledger.entity';

/** Reads of the loyalty ledger, limited to the customers the caller may read. */
export class LedgerService {
  constructor(private readonly em: EntityManager) {}

  /** The newest `first` transactions of each customer (older than `before` when given), in one query. */
  async latestOf(customerIds: readonly string[], first: number, before: Date | null): Promise<LoyaltyTransaction[]> {
    const ranked = await this.em.getConnection().execute<{ id: string }[]>(
      `select id from (
         select id, row_number() over (partition by customer_id order by created_at desc, id desc) as n
         from loyalty.loyalty_transaction
         where customer_id in (${customerIds.map(() => '?').join(', ')})${before ? ' and created_at < ?' : ''}
       ) t where n <= ?`,
      [...customerIds, ...(before ? [before] : []), first],
    );
    if (!ranked.length) return [];
    return this.em.find(
      LoyaltyTransaction,
      { id: { $in: ranked.map((r) => r.id) } },
      { orderBy: { createdAt: 'desc', id: 'desc' }, populate: ['coupon', 'customer.org'] },
    );
  }

  async byOrderIds(principal: Principal, orderIds: readonly string[]): Promise<LoyaltyTransaction[]> {
    const scope = customerReadScope(principal);
    if (!scope) return [];
    return this.em.find(
      LoyaltyTransaction,
      { orderId: { $in: [...orderIds] }, customer: scope },
      { orderBy: { createdAt: 'asc', id: 'asc' }, populate: ['coupon', 'customer.org'] },
    );
  }
}
