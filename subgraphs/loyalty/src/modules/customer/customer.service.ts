import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConnectionArgs,
  type ConnectionPage,
  LOYALTY_CUSTOMER_SCOPE,
  type Principal,
  SCOPES,
  badInput,
  forbidden,
  paginate,
} from '@pos/kit';
import { Coupon, type CouponStatus } from '../coupon/coupon.entity';
import { LoyaltyCustomer, customerCodeProblems } from './customer.entity';

/**
 * The customers a caller may read, or null for none: a loyalty customer only themself, an org's API key its own
 * customers, a partner's token (with a read or loyalty scope) the customers of every org of its tenant.
 */
export function customerReadScope(principal: Principal): FilterQuery<LoyaltyCustomer> | null {
  const tenant = { tenantId: principal.tenantId };
  switch (principal.kind) {
    case 'loyaltyCustomer':
      return principal.scopes.includes(LOYALTY_CUSTOMER_SCOPE) ? { id: principal.subject, org: tenant } : null;
    case 'loyaltyOrg':
      return { org: { ...tenant, id: principal.subject } };
    default:
      return principal.scopes.includes(SCOPES.loyaltyPos) || principal.scopes.includes(SCOPES.posRead)
        ? { org: tenant }
        : null;
  }
}

/** Loyalty customers as their readers may see them (see {@link customerReadScope}). */
export class CustomerService {
  constructor(private readonly em: EntityManager) {}

  async byIds(principal: Principal, ids: readonly string[]): Promise<LoyaltyCustomer[]> {
    const scope = customerReadScope(principal);
    if (!scope) return [];
    return this.em.find(LoyaltyCustomer, { $and: [{ id: { $in: [...ids] } }, scope] }, { populate: ['org'] });
  }

  async byCode(principal: Principal, code: string): Promise<LoyaltyCustomer | null> {
    const problems = customerCodeProblems(code, 'code');
    if (problems.length) throw badInput('code must be 6 digits', problems);
    const scope = customerReadScope(principal);
    if (!scope) throw forbidden('The caller may not read loyalty customers');
    return this.em.findOne(LoyaltyCustomer, { $and: [{ code }, scope] }, { populate: ['org'] });
  }

  /** The signed-in loyalty customer (a dashboard key). */
  async self(principal: Principal): Promise<LoyaltyCustomer> {
    const scope = principal.kind === 'loyaltyCustomer' ? customerReadScope(principal) : null;
    const customer = scope && (await this.em.findOne(LoyaltyCustomer, scope, { populate: ['org'] }));
    if (!customer) throw forbidden('Only a loyalty customer’s dashboard key reads this');
    return customer;
  }

  /** A page of a customer's coupons with one of `statuses`, newest first (the customer is already visible). */
  couponsOf(customerId: string, statuses: CouponStatus[], args: ConnectionArgs): Promise<ConnectionPage<Coupon>> {
    return paginate(this.em, Coupon, { customer: customerId, status: { $in: statuses } }, args, {
      createdAt: 'issuedAt',
    });
  }
}
