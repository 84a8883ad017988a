import { isUuid } from '@pos/kit';
import type { ChecksContext } from '../../context';

export const checkReference = {
  Check: {
    __resolveReference: (ref: { id: string }, ctx: ChecksContext) =>
      isUuid(ref.id) ? ctx.loaders.check.load(ref.id.toLowerCase()) : null,
  },
};
