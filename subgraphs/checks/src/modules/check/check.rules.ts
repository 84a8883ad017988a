import { amountProblems } from '@pos/kit';
import type { Check } from './check.entity';
import { type CheckTotals, checkTotals } from './check.totals';

/** What one check may hold, beyond the column limits of the entity (CHECK_LIMITS). */
export const CHECK_RULES = {
  maxItems: 500,
  maxQuantity: 100_000,
  maxGuests: 1_000,
  maxRateBps: 10_000,
} as const;

/** The money figures of a check as stored now (see `checkTotals`). */
export function totalsOf(check: Check): CheckTotals {
  const hasGratuity = check.gratuityRateBps !== null || check.gratuityAmountCents !== null;
  return checkTotals({
    itemPrices: check.items.getItems().map((item) => item.price),
    taxes: check.appliedTaxes.getItems(),
    supplementalFee:
      check.feeName === null
        ? null
        : { name: check.feeName, rateBps: check.feeRateBps, amountCents: check.feeAmountCents },
    gratuity: hasGratuity ? { rateBps: check.gratuityRateBps, amountCents: check.gratuityAmountCents } : null,
    dualPricingRateBps: check.dualPricingRateBps,
  });
}

/** The position after the last of `rows` (items and taxes keep the order they were added in). */
export const nextPosition = (rows: ReadonlyArray<{ position: number }>) =>
  rows.reduce((max, row) => Math.max(max, row.position + 1), 0);

export function integerProblems(value: number | null | undefined, name: string, min: number, max: number): string[] {
  if (value == null) return [];
  return Number.isSafeInteger(value) && value >= min && value <= max
    ? []
    : [`${name}: must be an integer from ${min} to ${max}`];
}

export function quantityProblems(value: number, name: string): string[] {
  if (!Number.isFinite(value) || value <= 0) return [`${name}: must be a number greater than 0`];
  if (value > CHECK_RULES.maxQuantity) return [`${name}: must be at most ${CHECK_RULES.maxQuantity}`];
  // The shortest text that reads back as this number shows its decimals (0.1 → "0.1", 1e-7 → "1e-7").
  if (!/^\d+(\.\d{1,3})?$/.test(String(value))) return [`${name}: at most 3 decimals`];
  return [];
}

/** A rate (basis points, 0 to 100 %) or a fixed amount (cents): exactly one of the two. */
export function chargeProblems(
  input: { rateBps?: number | null; amountMinor?: number | null },
  name: string,
): string[] {
  const hasRate = input.rateBps != null;
  const hasAmount = input.amountMinor != null;
  if (hasRate === hasAmount) return [`${name}.rateBps, ${name}.amountMinor: give exactly one of them`];
  return hasRate
    ? integerProblems(input.rateBps, `${name}.rateBps`, 0, CHECK_RULES.maxRateBps)
    : amountProblems(input.amountMinor, `${name}.amountMinor`);
}
