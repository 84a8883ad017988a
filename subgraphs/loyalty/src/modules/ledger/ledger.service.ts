import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConnectionArgs,
  type ConnectionPage,
  type PageRequest,
  type Principal,
  SortDirection,
  paginate,
  paginateMany,
} from '@pos/kit';
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

  /**
   * The same page of each order's loyalty transactions (Order.loyaltyTransactions), oldest first, in one query;
   * only rows of customers the caller may read.
   */
  async pagesByOrder(
    principal: Principal,
    orderIds: readonly string[],
    page: PageRequest,
  ): Promise<Map<string, ConnectionPage<LoyaltyTransaction>>> {
    const scope = customerReadScope(principal);
    if (!scope) return new Map();
    return paginateMany(this.em, LoyaltyTransaction, 'orderId', orderIds, { customer: scope }, page, {
      direction: SortDirection.ASC,
      populate: ['coupon', 'customer.org'],
    });
  }
}
