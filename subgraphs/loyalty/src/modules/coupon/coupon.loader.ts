import type { EntityManager } from '@mikro-orm/postgresql';
import { manyByKey } from '@pos/kit';
import { Coupon } from './coupon.entity';

/** Coupons by customer, newest first (customers are already visible to the caller when asked). */
export const createCouponLoader = (em: EntityManager) =>
  manyByKey<string, Coupon>(
    (customerIds) =>
      em.find(Coupon, { customer: { $in: [...customerIds] } }, { orderBy: { issuedAt: 'desc', id: 'desc' } }),
    (coupon) => coupon.customer.id,
  );
