import { isUuid } from '@pos/kit';
import type { OrdersContext } from '../../context';

export const orderReference = {
  Order: {
    __resolveReference: (ref: { id: string }, ctx: OrdersContext) =>
      isUuid(ref.id) ? ctx.loaders.order.load(ref.id.toLowerCase()) : null,
  },
};
