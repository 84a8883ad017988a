import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PaymentRef } from '../payment/payment.type';

/**
 * Hosted checkout (v1.2, Workstream C): an order created with a `returnUrl` gets one hosted payment page, open for
 * {@link HOSTED_CHECKOUT_TTL_SECONDS}. This subgraph owns the session (its id, expiry and whether it was paid); the
 * gateway mints the signed link to it and serves the page. The rules for the URLs the page redirects to live here.
 */

/**
 * How long a hosted checkout stays open: 30 minutes, Stripe Checkout's shortest `expires_at`. Long enough to type
 * a card, short enough that a leaked link is soon worthless; an order needing longer gets a new order's link.
 */
export const HOSTED_CHECKOUT_TTL_SECONDS = 30 * 60;

/** Browsers and proxies handle URLs up to about 2,000 characters everywhere; longer ones are refused. */
export const CHECKOUT_URL_MAX_LENGTH = 2048;

export enum HostedCheckoutStatus {
  OPEN = 'OPEN',
  PAID = 'PAID',
  EXPIRED = 'EXPIRED',
}
registerEnumType(HostedCheckoutStatus, {
  name: 'HostedCheckoutStatus',
  description: 'Where an order’s hosted payment page stands: usable, paid through, or lapsed',
  valuesConfig: {
    OPEN: { description: 'The link works until expiresAt' },
    PAID: { description: 'A payment through the link was approved; the link no longer works' },
    EXPIRED: { description: 'expiresAt passed without a payment through the link' },
  },
});

/** The order's hosted payment page, as this subgraph knows it (the link itself is minted by the gateway). */
@ObjectType({ description: 'An order’s hosted payment page (opened by createOrder with a returnUrl)' })
export class HostedCheckout {
  @Field(() => ID, { description: 'The checkout session; the id (jti) its signed link carries' })
  id!: string;

  @Field(() => HostedCheckoutStatus, {
    description: 'Whether the link still works (OPEN), was paid through (PAID) or lapsed unpaid (EXPIRED)',
  })
  status!: HostedCheckoutStatus;

  @Field({ description: 'When the link stops working (30 minutes after the order was created)' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When a payment through the link was approved' })
  paidAt!: Date | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The id of the approved payment made through the link',
    deprecationReason: 'Use payment { id }',
  })
  paymentId!: string | null;

  @Field(() => PaymentRef, {
    nullable: true,
    description: 'The approved payment made through the link; null while the checkout is unpaid',
  })
  payment!: PaymentRef | null;
}

/** The session's status at `now`: paid wins over expired (a payment approved at the last second counts). */
export function checkoutStatus(
  session: { expiresAt: Date; paidAt: Date | null },
  now: Date = new Date(),
): HostedCheckoutStatus {
  if (session.paidAt) return HostedCheckoutStatus.PAID;
  return session.expiresAt.getTime() <= now.getTime() ? HostedCheckoutStatus.EXPIRED : HostedCheckoutStatus.OPEN;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Problems with a URL the hosted checkout redirects the customer's browser to, as `name: reason` lines. It must be
 * absolute and https, so the customer never lands on a page an attacker on the network could change; plain http
 * only for a loopback host (localhost, 127.0.0.1, [::1]) and only outside production, for local development. No
 * user name or password in it (they would be shown in the address bar, and are a phishing trick:
 * `https://shop.example@evil.example`), no whitespace or control characters, at most
 * {@link CHECKOUT_URL_MAX_LENGTH} characters.
 */
export function redirectUrlProblems(value: unknown, name: string, allowLoopbackHttp: boolean): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'string') return [`${name}: must be a string`];
  if (value.length > CHECKOUT_URL_MAX_LENGTH) return [`${name}: at most ${CHECKOUT_URL_MAX_LENGTH} characters`];
  if ([...value].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f || /\s/.test(c))) {
    return [`${name}: must not contain whitespace or control characters`];
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`${name}: must be an absolute URL (https://…)`];
  }
  if (url.username || url.password) return [`${name}: must not contain a user name or password`];
  if (url.protocol === 'https:') return url.hostname ? [] : [`${name}: must name a host`];
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    return allowLoopbackHttp ? [] : [`${name}: must use https (http is allowed for localhost only in development)`];
  }
  return [`${name}: must use https${allowLoopbackHttp ? ' (or http for localhost, 127.0.0.1 or [::1])' : ''}`];
}
