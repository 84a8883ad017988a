/**
 * Money between the graph and the REST bodies, in this one place. The graph shows every amount as
 * `Money { amountMinor currency }`; the documented REST bodies keep their own shapes (integer minor units under the
 * seed's names: `total_cents`, `amount`, `subtotal`...), so a route selects {@link MONEY} and maps it back here.
 */

/** The selection of a Money field in a route's operation. */
export const MONEY = '{ amountMinor currency }';

/** A Money value as an operation's result holds it. */
export interface GqlMoney {
  amountMinor: number;
  currency: string;
}

/** The integer minor units a REST body shows for a Money value. */
export const minorUnits = (amount: GqlMoney): number => amount.amountMinor;

/** {@link minorUnits} of a nullable Money value. */
export const minorUnitsOrNull = (amount: GqlMoney | null): number | null => (amount ? amount.amountMinor : null);

const isMoney = (value: object): value is GqlMoney =>
  'amountMinor' in value && Object.keys(value).every((key) => key === 'amountMinor' || key === 'currency');

/**
 * A result whose Money values are replaced by their minor units, everything else (key order included) as it is: for
 * a body that is its operation's result field for field (the mobile API's check, whose amounts are all in the
 * check's one currency).
 */
export function moneyAsMinorUnits<T>(value: T): T {
  if (Array.isArray(value)) return value.map((entry: unknown) => moneyAsMinorUnits(entry)) as T;
  if (value === null || typeof value !== 'object') return value;
  if (isMoney(value)) return value.amountMinor as T;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, moneyAsMinorUnits(entry)])) as T;
}
