import { MAX_AMOUNT_CENTS, amountProblems, textProblems } from '@pos/kit';
import type { Level3Input } from './order.inputs';
import type { Level3Data } from './order.type';

/** Limits of Level 3 fields, as the card networks and processors take them (documented in the OpenAPI document's field descriptions). */
export const LEVEL3_LIMITS = {
  lineItems: 200,
  productCode: 12,
  description: 35,
  unitOfMeasure: 12,
  customerReference: 25,
  quantity: 1_000_000,
} as const;

/** The total of a line in minor units: quantity × unit cost − discount + tax. */
export const lineTotal = (line: { quantity: number; unitCostCents: number; taxCents: number; discountCents: number }) =>
  line.quantity * line.unitCostCents - line.discountCents + line.taxCents;

/**
 * Validates Level 3 data against the order total and normalises it (missing tax and discount are 0). Returns the
 * data to store (under the stored record's `…Cents` names) and the problems found, naming the input's fields; processors reject Level 3 records whose lines do not add up, so we do first.
 */
export function normaliseLevel3(
  input: Level3Input,
  totalMinor: number,
  prefix = 'level3',
): { data: Level3Data; problems: string[] } {
  const problems = textProblems(
    input.customerReference,
    `${prefix}.customerReference`,
    LEVEL3_LIMITS.customerReference,
  );
  const lines = Array.isArray(input.lineItems) ? input.lineItems : [];
  if (lines.length < 1 || lines.length > LEVEL3_LIMITS.lineItems) {
    problems.push(`${prefix}.lineItems: between 1 and ${LEVEL3_LIMITS.lineItems} items`);
  }
  const lineItems = lines.map((line, i) => {
    const at = `${prefix}.lineItems.${i}`;
    const item = {
      productCode: line.productCode,
      description: line.description,
      quantity: line.quantity,
      unitOfMeasure: line.unitOfMeasure,
      unitCostCents: line.unitCostMinor,
      taxCents: line.taxMinor ?? 0,
      discountCents: line.discountMinor ?? 0,
    };
    problems.push(
      ...textProblems(item.productCode, `${at}.productCode`, LEVEL3_LIMITS.productCode, true),
      ...textProblems(item.description, `${at}.description`, LEVEL3_LIMITS.description, true),
      ...textProblems(item.unitOfMeasure, `${at}.unitOfMeasure`, LEVEL3_LIMITS.unitOfMeasure, true),
      ...amountProblems(item.unitCostCents, `${at}.unitCostMinor`),
      ...amountProblems(item.taxCents, `${at}.taxMinor`),
      ...amountProblems(item.discountCents, `${at}.discountMinor`),
    );
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1 || item.quantity > LEVEL3_LIMITS.quantity) {
      problems.push(`${at}.quantity: must be a whole number between 1 and ${LEVEL3_LIMITS.quantity}`);
    } else if (Number.isSafeInteger(item.unitCostCents) && Number.isSafeInteger(item.discountCents)) {
      const gross = item.quantity * item.unitCostCents;
      if (gross > MAX_AMOUNT_CENTS) problems.push(`${at}: quantity × unitCostMinor is more than ${MAX_AMOUNT_CENTS}`);
      else if (item.discountCents > gross) problems.push(`${at}.discountMinor: more than quantity × unitCostMinor`);
    }
    return item;
  });
  if (!problems.length) {
    const sum = lineItems.reduce((total, line) => total + lineTotal(line), 0);
    if (sum !== totalMinor) {
      problems.push(`${prefix}.lineItems: the lines add up to ${sum} but the order total is ${totalMinor}`);
    }
  }
  return { data: { customerReference: input.customerReference ?? null, lineItems }, problems };
}
