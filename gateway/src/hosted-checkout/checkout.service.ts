import { randomBytes } from 'node:crypto';
import { type Clock, type EntityClient, type Logger, type Principal, SCOPES } from '@pos/kit';
import { USER_ERROR_FIELDS, fromGraphQLError, refusalIn } from '../rest/errors';
import type { GraphExecutor } from '../graph-executor';
import { type GqlMoney, MONEY, minorUnits } from '../rest/money';
import type { OrderWithCheckout } from '../rest/route';
import type { CheckoutFormView, CheckoutLine, ErrorPageView } from './checkout.page';
import { type CheckoutClaims, CheckoutTokenError, type CheckoutTokens } from './checkout.token';

/**
 * Hosted checkout (changelog v1.2, Workstream C), the gateway's part. The orders subgraph opens a checkout session
 * with an order created with a `returnUrl` (30 minutes, single-use); the gateway, which holds the keys and knows its
 * public URL, mints the signed link to it and serves the public page. Paying runs the same `createPayment` mutation
 * as the partner API, in-process, as the order's partner limited to `tilt/pos:payments` at the order's location, so
 * the payment, its ledger checks and its `payment.approved` event are exactly those of an API payment.
 *
 * - The link: see checkout.token.ts. `hosted_checkout_url` is `<PUBLIC_URL>/pos/v1/public/hosted-checkout?token=…`.
 * - Single use: once a payment through the link is approved, `completeHostedCheckout` marks the session paid and the
 *   link answers 410. A declined card or an unavailable processor leaves the link usable. That mutation is not part
 *   of the public graph (`@inaccessible`: no client may mark a checkout paid), so it is run on the orders subgraph
 *   directly, with the signed internal context of the checkout's principal; the subgraph checks the payment.
 * - Each rendered form has a random nonce, which names the payment attempt: the idempotency key of its payment is
 *   `hosted-checkout:<checkout id>:<nonce>`, so a double submit of one form pays once (the second waits for and
 *   answers with the first's outcome). A new attempt after a decline gets a new form and nonce; the ledger's
 *   "never more than the order owes" stops a second payment from another tab.
 * - The payment carries the link's expiry (`expiresAt`): if it is still pending then (the processor's answer was
 *   lost), the payments subgraph's sweep expires it with `payment.expired`.
 * - After an approval the customer is sent (303) to `returnUrl` with `order_id` and `payment_id` added to its query;
 *   Cancel sends them to `cancelUrl` with `order_id`. The parameters are a convenience: anyone can type them, so the
 *   partner confirms the payment over the API (or from `payment.approved`) before trusting them.
 */

export const HOSTED_CHECKOUT_PATH = '/pos/v1/public/hosted-checkout';

export interface HostedCheckoutDeps {
  tokens: CheckoutTokens;
  /** Public operations, in-process through the gateway, as any client's. */
  execute: GraphExecutor;
  /** The orders subgraph itself, for the checkout's completion, which the public graph does not have. */
  orders: EntityClient;
  /** The gateway's public URL, the base of the links. */
  publicUrl: string;
  /** Where time comes from (link expiry); tests may move it. */
  clock: Clock;
  logger: Logger;
}

/** A link or request the page refuses: the status and what the error page says. */
export class CheckoutRefusal extends Error {
  constructor(
    readonly status: number,
    readonly page: ErrorPageView,
  ) {
    super(page.title);
  }
}

/** What the page needs of the order, read as the checkout's principal. */
interface CheckoutOrder {
  id: string;
  number: string;
  status: string;
  currency: string;
  total: { amountMinor: number };
  returnUrl: string | null;
  cancelUrl: string | null;
  location: { id: string; name: string; timezone: string };
  level3: {
    lineItems: Array<{
      description: string;
      quantity: number;
      unitCost: GqlMoney;
      tax: GqlMoney;
      discount: GqlMoney;
    }>;
  } | null;
  hostedCheckout: { id: string; status: string; expiresAt: string; payment: { id: string } | null } | null;
}

const ORDER_QUERY = `query HostedCheckoutOrder($id: ID!) {
  order(id: $id) {
    id number status currency total { amountMinor } returnUrl cancelUrl
    location { id name timezone }
    level3 { lineItems { description quantity unitCost ${MONEY} tax ${MONEY} discount ${MONEY} } }
    hostedCheckout { id status expiresAt payment { id } }
  }
}`;

const PAY_MUTATION = `mutation HostedCheckoutPay($input: CreatePaymentInput!) {
  createPayment(input: $input) { ${USER_ERROR_FIELDS} idempotentReplay payment { id status failureCode } }
}`;

const COMPLETE_MUTATION = `mutation HostedCheckoutComplete($orderId: ID!, $checkoutId: ID!, $paymentId: ID!) {
  completeHostedCheckout(orderId: $orderId, checkoutId: $checkoutId, paymentId: $paymentId) { id }
}`;

/** A link that was never one of ours, or was altered: nothing more is said. */
const invalidLink = () =>
  new CheckoutRefusal(400, {
    title: 'This payment link is not valid',
    message:
      'The link is incomplete or has been changed. Please use the link the merchant sent you, or ask them for a new one.',
  });

const expiredLink = (link?: ErrorPageView['link']) =>
  new CheckoutRefusal(410, {
    title: 'This payment link has expired',
    message: 'Payment links work for 30 minutes. Ask the merchant for a new one.',
    link,
  });

/** What a card form posts: the link, the form's nonce and CSRF token, the card and the name on it. */
export interface CheckoutForm {
  token?: unknown;
  nonce?: unknown;
  csrf?: unknown;
  card_token?: unknown;
  cardholder_name?: unknown;
}

/** An open checkout: the verified link and the order it pays. */
export interface OpenCheckout {
  token: string;
  claims: CheckoutClaims;
  order: CheckoutOrder;
}

/** What a payment attempt comes to: where to send the customer, or the form again with the reason. */
export type PayOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'form'; status: number; problem: string; cardToken?: string; cardholderName?: string };

const CARD_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
/** How long a double submit waits for the first request of the same form before giving up (409 in use). */
const IN_USE_WAIT_MS = 5_000;

const DECLINES: Record<string, string> = {
  insufficient_funds: 'Your card was declined: insufficient funds.',
  expired_card: 'Your card was declined: the card has expired.',
  do_not_honor: 'Your card was declined by its bank.',
};

export class HostedCheckoutService {
  constructor(private readonly deps: HostedCheckoutDeps) {}

  /** The absolute path of the checkout's pages on the public URL (which may carry a path of its own). */
  get basePath(): string {
    return `${new URL(this.deps.publicUrl).pathname.replace(/\/$/, '')}${HOSTED_CHECKOUT_PATH}`;
  }

  /**
   * The link to an order's hosted checkout while it is open, for the REST order body (null when the order has no
   * checkout, or it was paid or expired). Same order, same link: every claim comes from the session.
   */
  async linkFor(tenantId: string, order: OrderWithCheckout): Promise<{ url: string; expiresAt: string } | null> {
    const session = order.hostedCheckout;
    if (!session || session.status !== 'OPEN') return null;
    const token = await this.deps.tokens.mint({
      checkoutId: session.id,
      orderId: order.id,
      tenantId,
      locationId: Number(order.location.id),
      amountCents: order.total.amountMinor,
      currency: order.currency,
      issuedAt: new Date(order.createdAt),
      expiresAt: new Date(session.expiresAt),
    });
    return {
      url: `${this.deps.publicUrl.replace(/\/$/, '')}${HOSTED_CHECKOUT_PATH}?token=${token}`,
      expiresAt: session.expiresAt,
    };
  }

  /**
   * Verifies the link and reads its order; throws {@link CheckoutRefusal} for a link that is not ours, is expired,
   * or no longer matches its order. A paid checkout is returned (see {@link paidLocation}); {@link assertPayable}
   * refuses it.
   */
  async open(token: unknown, requestId: string): Promise<OpenCheckout> {
    let claims: CheckoutClaims;
    try {
      claims = await this.deps.tokens.verify(token, this.deps.clock.now());
    } catch (error) {
      if (error instanceof CheckoutTokenError) throw error.refusal === 'expired' ? expiredLink() : invalidLink();
      throw error;
    }
    const result = await this.deps.execute(ORDER_QUERY, { id: claims.orderId }, principalOf(claims), requestId);
    if (result.errors?.length) throw this.unexpected(result.errors, requestId, 'reading the order');
    const order = result.data?.order as CheckoutOrder | null | undefined;
    const session = order?.hostedCheckout;
    if (!order || !session || session.id !== claims.checkoutId) throw invalidLink();
    // Bound to the amount: the link pays what the order came to when it was made, in its currency.
    if (order.total.amountMinor !== claims.amountCents || order.currency !== claims.currency) throw invalidLink();
    return { token: token as string, claims, order };
  }

  /** Throws the error page of a checkout that cannot take a payment: paid (single use), expired, order closed. */
  assertPayable(checkout: OpenCheckout): void {
    const { order } = checkout;
    const session = order.hostedCheckout!;
    const back = (href: string | null) => (href ? { href, text: `Return to ${order.location.name}` } : undefined);
    if (session.status === 'PAID') {
      throw new CheckoutRefusal(410, {
        title: 'This payment link has already been used',
        message: `Order ${order.number} at ${order.location.name} is paid. Nothing more is needed.`,
        link: back(order.returnUrl),
      });
    }
    if (session.status !== 'OPEN') throw expiredLink(back(order.cancelUrl));
    if (order.status !== 'OPEN') {
      throw new CheckoutRefusal(410, {
        title: 'This order can no longer be paid',
        message: `Order ${order.number} is ${order.status.toLowerCase()}. Please contact ${order.location.name}.`,
      });
    }
  }

  /**
   * For a pay form posted after the checkout was paid (a double click, a second tab): where the customer goes, as
   * if this request had paid — the order is paid, once. Null while the checkout is not paid.
   */
  paidLocation(checkout: OpenCheckout): string | null {
    const session = checkout.order.hostedCheckout!;
    return session.status === 'PAID' && session.payment ? this.returnLocation(checkout, session.payment.id) : null;
  }

  private returnLocation(checkout: OpenCheckout, paymentId: string): string {
    const location = new URL(checkout.order.returnUrl as string);
    location.searchParams.set('order_id', checkout.order.id);
    location.searchParams.set('payment_id', paymentId);
    return location.href;
  }

  /** The form for an open checkout, with a fresh nonce (a new payment attempt) and its CSRF token. */
  formView(checkout: OpenCheckout, extra: Partial<CheckoutFormView> = {}): CheckoutFormView {
    const nonce = randomBytes(16).toString('base64url');
    const { order, claims } = checkout;
    return {
      merchant: order.location.name,
      orderNumber: order.number,
      currency: claims.currency,
      amountCents: claims.amountCents,
      lines: order.level3 ? order.level3.lineItems.map(lineOf) : null,
      expiresAt: claims.expiresAt,
      timeZone: order.location.timezone,
      token: checkout.token,
      nonce,
      csrf: this.deps.tokens.csrfToken(claims.checkoutId, nonce),
      canCancel: order.cancelUrl !== null,
      basePath: this.basePath,
      ...extra,
    };
  }

  /** Whether a posted form carries a CSRF token the gateway made for this checkout. */
  csrfValid(checkout: OpenCheckout, form: CheckoutForm): boolean {
    return this.deps.tokens.csrfValid(checkout.claims.checkoutId, form.nonce, form.csrf);
  }

  /**
   * One payment attempt through the API's payment path. Approved: the checkout is marked paid and the customer
   * goes to `returnUrl`. Declined, refused input or an unavailable processor: the form again, the link still usable.
   */
  async pay(checkout: OpenCheckout, form: CheckoutForm, requestId: string): Promise<PayOutcome> {
    const cardToken = typeof form.card_token === 'string' ? form.card_token.trim() : '';
    const cardholderName = typeof form.cardholder_name === 'string' ? form.cardholder_name.trim() : '';
    const again = (status: number, problem: string): PayOutcome => ({
      kind: 'form',
      status,
      problem,
      cardToken,
      cardholderName,
    });
    if (!cardholderName || cardholderName.length > 100 || [...cardholderName].some(isControl)) {
      return again(400, 'Enter the name on the card (at most 100 characters).');
    }
    if (!CARD_TOKEN.test(cardToken)) return again(400, 'Enter the card (a card token such as tok_visa).');

    const { claims } = checkout;
    const principal = principalOf(claims);
    const variables = {
      input: {
        orderId: claims.orderId,
        amountMinor: claims.amountCents,
        currency: claims.currency,
        entryMode: 'CARD_NOT_PRESENT',
        cardToken,
        expiresAt: claims.expiresAt.toISOString(),
        idempotencyKey: `hosted-checkout:${claims.checkoutId}:${form.nonce as string}`,
      },
    };
    const deadline = Date.now() + IN_USE_WAIT_MS;
    for (;;) {
      const result = await this.deps.execute(PAY_MUTATION, variables, principal, requestId);
      // A decline is the payment's status below; any other user error is a refusal, read as the REST facade does.
      const refusal = result.errors?.length ? undefined : refusalIn(result.data ?? {}, ['PAYMENT_DECLINED']);
      if (!result.errors?.length && !refusal) {
        const payment = (result.data?.createPayment as { payment: { id: string; status: string; failureCode: string } })
          .payment;
        if (payment.status === 'APPROVED') return this.approved(checkout, payment.id, requestId);
        if (payment.status === 'DECLINED') {
          const reason = DECLINES[payment.failureCode] ?? 'Your card was declined.';
          return again(402, `${reason} Nothing was charged. Try another card.`);
        }
        if (payment.status === 'PENDING') {
          // Another tab's or an earlier request's payment is still with the processor.
          return again(409, 'This payment is still being processed. Reload the page in a moment.');
        }
        return again(409, 'The payment did not go through. Nothing was charged. Please try again.');
      }
      const error = refusal ?? fromGraphQLError(result.errors![0]);
      // A double submit of this form: the first request is still running; its outcome is ours once it ends.
      if (error.code === 'idempotency_key_in_use' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        continue;
      }
      switch (error.code) {
        case 'processor_unavailable':
          return again(503, 'The payment service is not available right now. Nothing was charged. Please try again.');
        case 'idempotency_key_in_use':
          return again(409, 'This payment is still being processed. Reload the page in a moment.');
        case 'idempotency_key_reused':
          return again(409, 'The form was sent twice with different details. Please check them and pay again.');
        case 'amount_exceeds_due':
          throw new CheckoutRefusal(409, {
            title: 'This order is already paid',
            message: `Order ${checkout.order.number} has nothing left to pay, or another payment for it is under way.`,
          });
        case 'validation_error':
          // The link ran out between its check and the payment's (expiresAt must be ahead).
          if (error.details.some((line) => line.startsWith('expiresAt'))) throw expiredLink();
          return again(400, 'The card could not be used. Check it and try again.');
        case 'not_found':
          throw invalidLink();
        default:
          throw this.unexpected(result.errors ?? [refusal], requestId, 'paying');
      }
    }
  }

  /** After an approval: mark the checkout paid (single use) and send the customer to the partner's returnUrl. */
  private async approved(checkout: OpenCheckout, paymentId: string, requestId: string): Promise<PayOutcome> {
    const { claims } = checkout;
    try {
      await this.deps.orders.execute(principalOf(claims), requestId, 'Order', COMPLETE_MUTATION, {
        orderId: claims.orderId,
        checkoutId: claims.checkoutId,
        paymentId,
      });
    } catch (error) {
      // The customer has paid, so they still go back to the partner. The link stays usable only in name: the
      // order owes nothing any more, so another attempt is refused by the ledger (409 already paid).
      this.deps.logger.error(
        { err: error, requestId, orderId: claims.orderId, paymentId },
        'hosted checkout: could not mark the checkout paid',
      );
    }
    return { kind: 'redirect', location: this.returnLocation(checkout, paymentId) };
  }

  /** Where Cancel sends the customer: the partner's cancelUrl with `order_id` (the link stays usable until expiry). */
  cancelLocation(checkout: OpenCheckout): string {
    const { order } = checkout;
    if (!order.cancelUrl) throw invalidLink();
    const location = new URL(order.cancelUrl);
    location.searchParams.set('order_id', order.id);
    return location.href;
  }

  private unexpected(errors: readonly unknown[], requestId: string, doing: string): CheckoutRefusal {
    this.deps.logger.error({ errors, requestId }, `hosted checkout: unexpected error ${doing}`);
    return new CheckoutRefusal(500, {
      title: 'Something went wrong',
      message: 'The payment page could not be shown. Nothing was charged. Please try again in a moment.',
      requestId,
    });
  }
}

const isControl = (c: string) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;

const lineOf = (l: NonNullable<CheckoutOrder['level3']>['lineItems'][number]): CheckoutLine => ({
  description: l.description,
  quantity: l.quantity,
  totalCents: l.quantity * minorUnits(l.unitCost) - minorUnits(l.discount) + minorUnits(l.tax),
});

/**
 * Who the page acts as: the order's partner, limited to taking payments at the order's location. No person signs
 * in; the signed link is the credential, and it can pay only its own order's amount.
 */
const principalOf = (claims: CheckoutClaims): Principal => ({
  tenantId: claims.tenantId,
  subject: `hosted-checkout:${claims.checkoutId}`,
  kind: 'm2m',
  clientId: null,
  scopes: [SCOPES.posPayments],
  locationIds: [claims.locationId],
});
