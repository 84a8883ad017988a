import { parseIntId } from '@pos/kit';
import type { OrdersContext } from '../../context';

export const locationReference = {
  Location: {
    __resolveReference: (ref: { id: string }, ctx: OrdersContext) => {
      const id = parseIntId(ref.id);
      return id === null ? null : ctx.loaders.location.load(id);
    },
  },
};
