import type { EntityManager } from '@mikro-orm/postgresql';
import { type ConnectionArgs, type ConnectionPage, type Principal, paginate } from '@pos/kit';
import { customerReadScope } from '../customer/customer.service';
import { LoyaltyTransaction } from './ledger.entity';

/** Reads of the loyalty ledger, limited to the customers the caller may read. */
export class LedgerService {
  constructor(private readonly em: EntityManager) {}

  /** A page of a customer's ledger, newest first (the customer is already visible to the caller). */
  pageOf(customerId: string, args: ConnectionArgs): Promise<ConnectionPage<LoyaltyTransaction>> {
    return paginate(this.em, LoyaltyTransaction, { customer: customerId }, args, {
      populate: ['coupon', 'customer.org'],
    });
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
