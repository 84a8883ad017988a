/**
 * Checks of client input shared by every service, so "a valid amount" or "a valid reference" means the same thing
 * everywhere. Each returns problems as `name: reason` lines (empty when valid), for one BAD_USER_INPUT listing all.
 *
 * Money inside the system is an integer number of minor units (cents) with an ISO 4217 currency. These checks are
 * shared by every service that takes an amount, so "a valid amount" means the same thing everywhere.
 */

/** The largest amount any single order, payment or refund may carry: 20 million major units, far below 2^31. */
export const MAX_AMOUNT_CENTS = 2_000_000_000;

// ICU's list of ISO 4217 codes in circulation; "XXX", "ABC" and withdrawn codes are not in it.
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export const isCurrency = (code: unknown): code is string => typeof code === 'string' && CURRENCIES.has(code);

/**
 * Problems with an amount in minor units, as `name: reason` lines (empty when valid): it must be a safe integer
 * (no fractions of a cent), not negative, at least `min` and at most {@link MAX_AMOUNT_CENTS}.
 */
export function amountProblems(value: unknown, name: string, min = 0): string[] {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    return [`${name}: must be an integer number of minor units (cents)`];
  }
  if (value < min) return [`${name}: must be at least ${min}`];
  if (value > MAX_AMOUNT_CENTS) return [`${name}: must be at most ${MAX_AMOUNT_CENTS}`];
  return [];
}

export function currencyProblems(value: unknown, name = 'currency'): string[] {
  return isCurrency(value) ? [] : [`${name}: must be an ISO 4217 currency code such as USD`];
}

// Control characters would be rejected or mangled by processors' fixed-width records and by logs.
const hasControl = (value: string) => [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** A free-text field: a non-blank string of at most `max` characters without control characters. */
export function textProblems(value: unknown, name: string, max: number, required = false): string[] {
  if (value === null || value === undefined) return required ? [`${name}: is required`] : [];
  if (typeof value !== 'string') return [`${name}: must be a string`];
  if (!value.trim()) return [`${name}: must not be blank`];
  if (value.length > max) return [`${name}: at most ${max} characters`];
  if (hasControl(value)) return [`${name}: must not contain control characters`];
  return [];
}
