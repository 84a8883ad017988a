import { mulDivRound, percentOf } from '@pos/kit';

/** How a tax reaches the guest (the seed's Tax vs Hidden Tax). */
export enum CheckTaxKind {
  /** Added on top of the prices; counted in `taxes`. */
  STANDARD = 'STANDARD',
  /** Added on top of the prices, shown apart from the standard taxes; counted in `otherTaxes`. */
  OTHER = 'OTHER',
  /** Already included in the prices (VAT-style): shown in `hiddenTaxList`, never added to the total. */
  HIDDEN = 'HIDDEN',
}

/** A charge given either as a rate of the subtotal (basis points) or as a fixed amount (cents): exactly one is set. */
export interface ChargeTerms {
  rateBps: number | null;
  amountCents: number | null;
}

export interface TaxTerms extends ChargeTerms {
  name: string;
  kind: CheckTaxKind;
}

export interface CheckTotalsInput {
  /** Each item's line price (its modifiers included, quantity already applied). */
  itemPrices: readonly number[];
  taxes: readonly TaxTerms[];
  supplementalFee: (ChargeTerms & { name: string }) | null;
  gratuity: ChargeTerms | null;
  /** The card surcharge of dual pricing; null when the check has no dual pricing. */
  dualPricingRateBps: number | null;
}

export interface NamedAmount {
  name: string;
  amount: number;
}

export interface CheckTotals {
  subtotal: number;
  taxes: number;
  otherTaxes: number;
  taxList: NamedAmount[];
  hiddenTaxList: NamedAmount[];
  supplementalFee: NamedAmount | null;
  gratuity: number;
  total: number;
  cashTotal: number | null;
}

const BPS = 10_000;

/**
 * The money figures of a check, in integer cents, computed in this one place from what the POS recorded.
 *
 * Every rate applies to the subtotal (not to a running total), so the order in which taxes and fees were applied
 * never changes the result. Each amount is rounded on its own, half up, before it is added: the total is then
 * always the sum of the lines a guest sees on the receipt.
 *
 * Under dual pricing the item prices are the card prices; the cash total is the same computation on the cash
 * subtotal (card subtotal without the surcharge), where rates follow the smaller base and fixed amounts do not.
 */
export function checkTotals(input: CheckTotalsInput): CheckTotals {
  const subtotal = input.itemPrices.reduce((sum, price) => sum + price, 0);
  const card = chargesOn(subtotal, input);
  const cashTotal =
    input.dualPricingRateBps === null
      ? null
      : chargesOn(mulDivRound(subtotal, BPS, BPS + input.dualPricingRateBps), input).total;
  return { subtotal, ...card, cashTotal };
}

function chargesOn(subtotal: number, input: CheckTotalsInput): Omit<CheckTotals, 'subtotal' | 'cashTotal'> {
  const charge = (terms: ChargeTerms) =>
    terms.rateBps === null ? (terms.amountCents ?? 0) : percentOf(subtotal, terms.rateBps);
  let taxes = 0;
  let otherTaxes = 0;
  const taxList: NamedAmount[] = [];
  const hiddenTaxList: NamedAmount[] = [];
  for (const tax of input.taxes) {
    if (tax.kind === CheckTaxKind.HIDDEN) {
      // The tax is inside the price: its share of a gross amount is gross × rate ÷ (1 + rate).
      const amount =
        tax.rateBps === null ? (tax.amountCents ?? 0) : mulDivRound(subtotal, tax.rateBps, BPS + tax.rateBps);
      hiddenTaxList.push({ name: tax.name, amount });
      continue;
    }
    const amount = charge(tax);
    taxList.push({ name: tax.name, amount });
    if (tax.kind === CheckTaxKind.STANDARD) taxes += amount;
    else otherTaxes += amount;
  }
  const fee = input.supplementalFee;
  const supplementalFee = fee ? { name: fee.name, amount: charge(fee) } : null;
  const gratuity = input.gratuity ? charge(input.gratuity) : 0;
  const total = subtotal + taxes + otherTaxes + (supplementalFee?.amount ?? 0) + gratuity;
  return { taxes, otherTaxes, taxList, hiddenTaxList, supplementalFee, gratuity, total };
}
