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

/** What a loyalty customer's dashboard key opens: their own balance, coupons and pending PINs. Never a partner's. */
export const LOYALTY_CUSTOMER_SCOPE = 'loyalty:customer';

/** Throws FORBIDDEN unless the caller's token holds `scope`. */
export function requireScope(principal: Principal, scope: string): void {
  if (!principal.scopes.includes(scope)) throw forbidden(`The access token lacks the scope ${scope}`);
}
