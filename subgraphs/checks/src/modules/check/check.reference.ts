import { isUuid, parseIntId } from '@pos/kit';
import type { ChecksContext } from '../../context';
import { posRefKey } from './check.loader';

/** A Check representation by either of its keys: `{id}` or `{location: {id}, posRef}`. */
type CheckRepresentation = { id?: unknown; location?: { id?: unknown } | null; posRef?: unknown };

export const checkReference = {
  Check: {
    __resolveReference: (ref: CheckRepresentation, ctx: ChecksContext) => {
      if (typeof ref.id === 'string') return isUuid(ref.id) ? ctx.loaders.check.load(ref.id.toLowerCase()) : null;
      const locationId =
        typeof ref.location?.id === 'string' || typeof ref.location?.id === 'number'
          ? parseIntId(ref.location.id)
          : null;
      // A malformed key matches nothing; it must not fail the other references of the batch.
      if (locationId === null || typeof ref.posRef !== 'string') return null;
      return ctx.loaders.checkByPosRef.load(posRefKey(locationId, ref.posRef));
    },
  },
};
