import type { EntityManager } from '@mikro-orm/postgresql';
import { type Principal, badInput } from '@pos/kit';
import { LoyaltyCustomer } from './customer.entity';

/** Loyalty customers of the orgs that belong to the caller's tenant. */
export class CustomerService {
  constructor(private readonly em: EntityManager) {}

  byIds(principal: Principal, ids: readonly string[]): Promise<LoyaltyCustomer[]> {
    return this.em.find(
      LoyaltyCustomer,
      { id: { $in: [...ids] }, org: { tenantId: principal.tenantId } },
      { populate: ['org'] },
    );
  }

  byCode(principal: Principal, code: string): Promise<LoyaltyCustomer | null> {
    if (!/^\d{6}$/.test(code)) throw badInput('code must be 6 digits');
    return this.em.findOne(LoyaltyCustomer, { code, org: { tenantId: principal.tenantId } }, { populate: ['org'] });
  }
}
