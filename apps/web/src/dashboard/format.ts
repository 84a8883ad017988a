/**
 * Display formatting. Amounts stay integers of the currency's minor unit everywhere in the page (BigInt, or the
 * decimal digit strings BigMoney carries, since snapshot sums may exceed 2^53); only the text shown is decimal.
 */

const moneyFormats = new Map<string, Intl.NumberFormat | null>();

function moneyFormat(currency: string): Intl.NumberFormat | null {
  let format = moneyFormats.get(currency);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      // Not an ISO 4217 code this browser knows: shown in minor units.
      format = null;
    }
    moneyFormats.set(currency, format);
  }
  return format;
}

/**
 * `amountMinor` (integer minor units, as a BigInt or digit string) in `currency`, formatted for the reader's locale:
 * 2500 USD is "$25.00", 1000 JPY "¥1,000" (no minor unit). The exact decimal string is built from the integer
 * ("2500" with 2 digits is "25.00") and handed to Intl as a string, so no binary float ever touches an amount.
 */
export function formatMoney(amountMinor: bigint | string, currency: string): string {
  const minor = BigInt(amountMinor);
  const format = moneyFormat(currency);
  if (!format) return `${minor} (${currency} minor units)`;
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const unit = 10n ** BigInt(digits);
  const fraction = digits ? `.${(abs % unit).toString().padStart(digits, '0')}` : '';
  // Intl.NumberFormat.format takes a decimal string exactly (ES2023); the lib types here predate that.
  return format.format(`${negative ? '-' : ''}${abs / unit}${fraction}` as unknown as number);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** A time of today as hh:mm:ss, any other as date and time, in the browser's time zone. */
export function formatWhen(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

/** PAYMENT_REVERSAL_SETTLED as webhooks and REST spell it: payment.reversal_settled. */
export const typeLabel = (type: string): string => type.toLowerCase().replace('_', '.');

/** Midnight at the start of the day `now` falls on, in the browser's time zone. */
export function startOfLocalDay(now = new Date()): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
}
