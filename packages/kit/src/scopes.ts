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
} as const;

export const ALL_SCOPES: string[] = Object.values(SCOPES);

/** Throws FORBIDDEN unless the caller's token holds `scope`. */
export function requireScope(principal: Principal, scope: string): void {
  if (!principal.scopes.includes(scope)) throw forbidden(`The access token lacks the scope ${scope}`);
}
