import { isUuid } from '@pos/kit';
import type { PaymentsContext } from '../../context';

export const paymentReference = {
  Payment: {
    __resolveReference: (ref: { id: string }, ctx: PaymentsContext) =>
      isUuid(ref.id) ? ctx.loaders.payment.load(ref.id.toLowerCase()) : null,
  },
};
