import { toDecimalString } from '@pos/kit';
import { escapeHtml, renderScriptFreePage } from '../web/script-free-page';

/**
 * The hosted checkout's HTML, rendered on the server: no framework and no script at all, so the Content-Security-
 * Policy can forbid every script. Every value from the order or the request is escaped.
 */

/** Test card tokens of the built-in Valor sandbox (docs/partner-api.md, "Valor, the processor"), offered as suggestions. */
export const SANDBOX_CARD_TOKENS: ReadonlyArray<[token: string, label: string]> = [
  ['tok_visa', 'Visa, approved'],
  ['tok_decline', 'Declined'],
  ['tok_insufficient_funds', 'Declined: insufficient funds'],
  ['tok_expired_card', 'Declined: expired card'],
  ['tok_do_not_honor', 'Declined: do not honor'],
  ['tok_processor_unavailable', 'Processor does not answer'],
];

/** An amount in minor units as the customer reads it, e.g. `$1,234.50` (the currency's own number of decimals). */
export function formatMoney(cents: number, currency: string): string {
  const decimal = toDecimalString(cents, currency);
  // Formatting the decimal string, not cents / 100, keeps every digit exact whatever the amount.
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(
    decimal as unknown as number, // Intl.NumberFormat formats decimal strings exactly (ES2023); the lib types lag
  );
}

function formatTime(date: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeStyle: 'short', timeZone, timeZoneName: 'short' }).format(date);
  } catch {
    return `${date.toISOString().slice(11, 16)} UTC`;
  }
}

export interface CheckoutLine {
  description: string;
  quantity: number;
  totalCents: number;
}

/** What the payment form shows and carries. */
export interface CheckoutFormView {
  merchant: string;
  orderNumber: string;
  currency: string;
  amountCents: number;
  /** The order's Level 3 lines when it has them; otherwise the page shows the total only. */
  lines: CheckoutLine[] | null;
  expiresAt: Date;
  timeZone: string;
  /** The link token, the form's nonce and its CSRF token, posted back with the form. */
  token: string;
  nonce: string;
  csrf: string;
  canCancel: boolean;
  /** The absolute path of the checkout's pages (the public URL's path + /pos/v1/public/hosted-checkout). */
  basePath: string;
  /** Why the form is shown again: a declined card, an unavailable processor, a missing field. */
  problem?: string;
  /** What the customer typed, shown again with the problem. */
  cardToken?: string;
  cardholderName?: string;
}

export interface ErrorPageView {
  title: string;
  message: string;
  /** Where the customer can go from here (the merchant's page), when the order is known. */
  link?: { href: string; text: string };
  /** Quoted for support on unexpected errors. */
  requestId?: string;
}

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #f4f5f7; color: #1f2328; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; border-radius: 12px; padding: 2rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.08), 0 8px 24px rgba(0,0,0,.06); }
  h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
  .muted { color: #656d76; font-size: .875rem; margin: 0 0 1.5rem; }
  table { width: 100%; border-collapse: collapse; margin-bottom: 1.5rem; font-size: .9375rem; }
  td { padding: .375rem 0; border-bottom: 1px solid #eaeef2; vertical-align: top; }
  td.num { text-align: right; white-space: nowrap; padding-left: 1rem; }
  tr.total td { border-bottom: 0; font-weight: 600; font-size: 1.0625rem; padding-top: .75rem; }
  label { display: block; font-size: .875rem; font-weight: 500; margin: 1rem 0 .375rem; }
  input { box-sizing: border-box; width: 100%; padding: .625rem .75rem; border: 1px solid #d0d7de; border-radius: 6px;
          font-size: 1rem; }
  .hint { color: #656d76; font-size: .75rem; margin-top: .375rem; }
  .problem { background: #ffebe9; border: 1px solid #ff8182; color: #82071e; border-radius: 6px;
             padding: .75rem; margin-bottom: 1rem; font-size: .9375rem; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { flex: 1; padding: .75rem; border-radius: 6px; font-size: 1rem; cursor: pointer; border: 1px solid #d0d7de; }
  button.pay { background: #1f6feb; border-color: #1f6feb; color: #fff; font-weight: 600; }
  button.cancel { background: #fff; color: #1f2328; }
  a { color: #0969da; }
`;

function page(title: string, styleNonce: string, body: string): string {
  return renderScriptFreePage({ title, styleNonce, style: STYLE, body });
}

/** The payment page: merchant, order, lines and total, and the card form with Pay and (when possible) Cancel. */
export function renderCheckoutForm(view: CheckoutFormView, styleNonce: string): string {
  const total = formatMoney(view.amountCents, view.currency);
  const lines = (view.lines ?? [])
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.description)}${line.quantity === 1 ? '' : ` × ${escapeHtml(line.quantity)}`}</td>` +
        `<td class="num">${escapeHtml(formatMoney(line.totalCents, view.currency))}</td></tr>`,
    )
    .join('\n');
  const suggestions = SANDBOX_CARD_TOKENS.map(
    ([token, label]) => `<option value="${escapeHtml(token)}">${escapeHtml(label)}</option>`,
  ).join('');
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  return page(
    `Pay ${view.merchant}`,
    styleNonce,
    `<h1>${escapeHtml(view.merchant)}</h1>
<p class="muted">Order ${escapeHtml(view.orderNumber)} · this page expires at ${escapeHtml(formatTime(view.expiresAt, view.timeZone))}</p>
<table aria-label="Order">
${lines}
<tr class="total"><td>Total</td><td class="num" id="total">${escapeHtml(total)}</td></tr>
</table>
${view.problem ? `<div class="problem" role="alert" id="problem">${escapeHtml(view.problem)}</div>` : ''}
<form method="post" action="${escapeHtml(view.basePath)}/pay" autocomplete="off">
${hidden('token', view.token)}
${hidden('nonce', view.nonce)}
${hidden('csrf', view.csrf)}
<label for="cardholder_name">Name on card</label>
<input id="cardholder_name" name="cardholder_name" required maxlength="100" autocomplete="cc-name" value="${escapeHtml(view.cardholderName ?? '')}">
<label for="card_token">Card</label>
<input id="card_token" name="card_token" required maxlength="128" pattern="[A-Za-z0-9_\\-]+" list="sandbox-cards" spellcheck="false" value="${escapeHtml(view.cardToken ?? '')}">
<datalist id="sandbox-cards">${suggestions}</datalist>
<div class="hint">The card as a processor token. Sandbox test cards: ${SANDBOX_CARD_TOKENS.map(([t]) => escapeHtml(t)).join(', ')}.</div>
<div class="actions">
${view.canCancel ? `<button type="submit" class="cancel" form="cancel-form" id="cancel">Cancel</button>` : ''}
<button type="submit" class="pay" id="pay">Pay ${escapeHtml(total)}</button>
</div>
</form>
${
  // Cancel posts a form of its own (the button above names it with form=): a button of the card form that came
  // before Pay would be that form's default button, which Enter in a field clicks, cancelling instead of paying.
  view.canCancel
    ? `<form method="post" action="${escapeHtml(view.basePath)}/cancel" id="cancel-form">
${hidden('token', view.token)}
${hidden('nonce', view.nonce)}
${hidden('csrf', view.csrf)}
</form>`
    : ''
}`,
  );
}

/** A page for a link that cannot be used (bad, expired, already used) or a request refused: no detail of ours. */
export function renderErrorPage(view: ErrorPageView, styleNonce: string): string {
  return page(
    view.title,
    styleNonce,
    `<h1 id="error-title">${escapeHtml(view.title)}</h1>
<p id="error-message">${escapeHtml(view.message)}</p>
${view.link ? `<p><a href="${escapeHtml(view.link.href)}" rel="noreferrer">${escapeHtml(view.link.text)}</a></p>` : ''}
${view.requestId ? `<p class="muted">Reference: ${escapeHtml(view.requestId)}</p>` : ''}`,
  );
}
