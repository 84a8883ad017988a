import type { Principal } from '@pos/kit';
import type { Coupon } from './coupon.entity';
import { couponIdOfToken, couponToken } from './coupon.tokens';

/**
 * Coupon QR tokens for one request. A token redeems its coupon (at a standard org, without a PIN), so it is a
 * credential: it is shown to the coupon's customer (their dashboard), and in the answer to the request that issued
 * the coupon (the earn that filled the card) or redeemed it with that token (which the caller just sent, and which
 * opens nothing any more). Every other reader (the org's key, a partner's token, a cashier) gets null.
 */
export class CouponTokenService {
  private readonly shown = new Set<string>();

  constructor(
    private readonly key: Buffer,
    private readonly principal: Principal | null,
  ) {}

  /** The coupon id a scanned token names, or null when this service did not mint it. */
  couponIdOf(token: string): string | null {
    return couponIdOfToken(this.key, token);
  }

  /** This request issued the coupon, or redeemed it by its token: its answer may carry the token. */
  show(coupon: Coupon): void {
    this.shown.add(coupon.id);
  }

  /** The coupon's token for this caller, or null (see the class comment). */
  tokenFor(coupon: Coupon): string | null {
    const owner = this.principal?.kind === 'loyaltyCustomer' && this.principal.subject === coupon.customer.id;
    return owner || this.shown.has(coupon.id) ? couponToken(this.key, coupon.id) : null;
  }
}
