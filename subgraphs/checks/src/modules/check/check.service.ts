import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '@pos/kit';
import { Check, CheckStatus } from './check.entity';

/** Checks of the caller's tenant. */
export class CheckService {
  constructor(private readonly em: EntityManager) {}

  byIds(principal: Principal, ids: readonly string[]): Promise<Check[]> {
    return this.em.find(Check, { id: { $in: [...ids] }, tenantId: principal.tenantId }, { populate: ['items'] });
  }

  openByLocations(principal: Principal, locationIds: readonly number[]): Promise<Check[]> {
    return this.em.find(
      Check,
      { locationId: { $in: [...locationIds] }, tenantId: principal.tenantId, status: CheckStatus.OPEN },
      { populate: ['items'], orderBy: { openedAt: 'asc', posRef: 'asc' } },
    );
  }

  byOrders(principal: Principal, orderIds: readonly string[]): Promise<Check[]> {
    return this.em.find(
      Check,
      { orderId: { $in: [...orderIds] }, tenantId: principal.tenantId },
      { populate: ['items'], orderBy: { openedAt: 'asc' } },
    );
  }
}
