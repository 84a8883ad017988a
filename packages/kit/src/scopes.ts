import { forbidden } from './errors';
import type { Principal } from './internal-auth';

/**
 * OAuth scopes of the partner APIs, Cognito resource-server style (`<resource server>/<scope>`). The demo partner
 * client holds every one of them.
 */
export const SCOPES = {
  posRead: 'tilt/pos:read',
  posOrders: 'tilt/pos:orders',
  posPayments: 'tilt/pos:payments',
  /** Voids and refunds: money going back, kept apart from taking payments. */
  posRefunds: 'tilt/pos:refunds',
  posLaunch: 'tilt/pos:launch',
  webhooksSubscribe: 'tilt/webhooks:subscribe',
  mobilePayments: 'tilt/mobile:payments',
  /** Earn, redeem and coupon redemption at a loyalty org's POS (its X-Api-Key holds only this one). */
  loyaltyPos: 'tilt/loyalty:pos',
  /** A partner's loyalty programs: their settings (earn ratio, PIN preset, stamp cards) and their POS keys. */
  loyaltyAdmin: 'tilt/loyalty:admin',
} as const;

export const ALL_SCOPES: string[] = Object.values(SCOPES);

/**
 * Scopes of the platform's own operators, never granted to a partner's client: they cross tenants. Only the
 * operator client (demo: `demo-operator`) may hold them.
 */
export const OPERATOR_SCOPES = {
  /** Every partner's webhook dead-letter queue, and replaying from it. */
  webhooksAdmin: 'tilt/admin:webhooks',
} as const;

/**
 * Scopes only a person signed in to the portal holds (by role), never a client: managing the partner's own
 * credentials. A client that could make clients could make itself a stronger one.
 */
export const PERSON_SCOPES = {
  /** List, create, rotate and disable the partner's M2M API clients. */
  clientsAdmin: 'tilt/admin:clients',
} as const;

/** What a loyalty customer's dashboard key opens: their own balance, coupons and pending PINs. Never a partner's. */
export const LOYALTY_CUSTOMER_SCOPE = 'loyalty:customer';

/**
 * Which scopes open a root read field of the graph: tilt/pos:read, or the scope of an API whose own flow reads that
 * resource through the graph (a mobile provider reads checks and their location, a launch link's location is
 * checked, a hosted checkout reads the order it pays). The REST routes check their own scope before they run; this
 * is GraphQL's equivalent, so a token narrowed to one API reads no more over /graphql than over REST.
 */
export const READ_SCOPES = {
  locations: [SCOPES.posRead],
  location: [SCOPES.posRead, SCOPES.mobilePayments, SCOPES.posLaunch],
  orders: [SCOPES.posRead, SCOPES.posPayments],
  checks: [SCOPES.posRead, SCOPES.mobilePayments],
  payments: [SCOPES.posRead],
  paymentEvents: [SCOPES.posRead],
} as const satisfies Record<string, readonly string[]>;

/** Throws FORBIDDEN unless the caller's token holds one of `scopes`. */
export function requireAnyScope(principal: Principal, scopes: readonly string[]): void {
  if (!scopes.some((scope) => principal.scopes.includes(scope))) {
    throw forbidden(`The access token lacks a scope for this: one of ${scopes.join(', ')}`);
  }
}

/** Throws FORBIDDEN unless the caller's token holds `scope`. */
export function requireScope(principal: Principal, scope: string): void {
  if (!principal.scopes.includes(scope)) throw forbidden(`The access token lacks the scope ${scope}`);
}
