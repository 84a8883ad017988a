import { isUuid } from '@pos/kit';
import type { LoyaltyContext } from '../../context';

export const customerReference = {
  LoyaltyCustomer: {
    __resolveReference: (ref: { id: string }, ctx: LoyaltyContext) =>
      isUuid(ref.id) ? ctx.loaders.customer.load(ref.id.toLowerCase()) : null,
  },
};
