import { createHmac, timingSafeEqual } from 'node:crypto';
import { purposeKey } from '@pos/kit';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';

/**
 * The hosted checkout's link token and its form's CSRF token.
 *
 * The link token is a JWT, HS256 with a key of its own derived from KEY_ENCRYPTION_KEY (`purposeKey`), so it can
 * never pass for an access token (RS256, the issuer's keys) or any other token of the system, and only the gateway
 * can mint or read it. Verification pins the algorithm, the `typ`, the issuer and the audience. It names the checkout
 * session the orders subgraph opened with the order (`jti`), the order (`sub`), its partner (`tid`) and location
 * (`loc`), and the amount and currency it pays (`amt`, `cur`); `iat` is when the order was created and `exp` when the
 * session ends, both from the orders subgraph. Every claim comes from the session, so the same order always gives the
 * same link (an idempotent replay of createOrder, a GET of the order).
 */

export const CHECKOUT_TOKEN_TYPE = 'checkout+jwt';
const ALGORITHM = 'HS256';
const ISSUER = 'pos-gateway';
const AUDIENCE = 'pos-hosted-checkout';
/** A link token is about 500 characters; anything much longer is not one, and is not worth an HMAC. */
export const MAX_TOKEN_LENGTH = 2048;

/** What a checkout link says about the payment it may make. */
export interface CheckoutClaims {
  /** The checkout session (orders subgraph), the jti. */
  checkoutId: string;
  orderId: string;
  tenantId: string;
  locationId: number;
  amountCents: number;
  currency: string;
  issuedAt: Date;
  expiresAt: Date;
}

const claimsSchema = z.object({
  jti: z.uuid(),
  sub: z.uuid(),
  tid: z.string().min(1).max(64),
  loc: z.number().int().positive(),
  amt: z.number().int().positive(),
  cur: z.string().regex(/^[A-Z]{3}$/),
  iat: z.number().int(),
  exp: z.number().int(),
});

/** Why a link token was refused: not one of ours (malformed, forged, altered), or past its expiry. */
export type TokenRefusal = 'invalid' | 'expired';

export class CheckoutTokenError extends Error {
  constructor(readonly refusal: TokenRefusal) {
    super(refusal === 'expired' ? 'checkout link expired' : 'invalid checkout link');
  }
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export class CheckoutTokens {
  private readonly signingKey: Buffer;
  private readonly csrfKey: Buffer;

  constructor(masterKey: Buffer) {
    this.signingKey = purposeKey(masterKey, 'gateway/hosted-checkout-link');
    this.csrfKey = purposeKey(masterKey, 'gateway/hosted-checkout-csrf');
  }

  mint(claims: CheckoutClaims): Promise<string> {
    return new SignJWT({ tid: claims.tenantId, loc: claims.locationId, amt: claims.amountCents, cur: claims.currency })
      .setProtectedHeader({ alg: ALGORITHM, typ: CHECKOUT_TOKEN_TYPE })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.orderId)
      .setJti(claims.checkoutId)
      .setIssuedAt(seconds(claims.issuedAt))
      .setExpirationTime(seconds(claims.expiresAt))
      .sign(this.signingKey);
  }

  /** The link's claims, or throws {@link CheckoutTokenError}: `expired` only for a genuine link past its `exp`. */
  async verify(token: unknown, now: Date): Promise<CheckoutClaims> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
      throw new CheckoutTokenError('invalid');
    }
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.signingKey, {
        algorithms: [ALGORITHM],
        typ: CHECKOUT_TOKEN_TYPE,
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: now,
        requiredClaims: ['jti', 'sub', 'iat', 'exp'],
      }));
    } catch (error) {
      // jose checks the signature before the claims, so an expired link here is one we minted.
      throw new CheckoutTokenError(error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid');
    }
    const parsed = claimsSchema.safeParse(payload);
    if (!parsed.success) throw new CheckoutTokenError('invalid');
    const c = parsed.data;
    return {
      checkoutId: c.jti,
      orderId: c.sub,
      tenantId: c.tid,
      locationId: c.loc,
      amountCents: c.amt,
      currency: c.cur,
      issuedAt: new Date(c.iat * 1000),
      expiresAt: new Date(c.exp * 1000),
    };
  }

  /**
   * The CSRF token of one rendered form: an HMAC, with a key of its own, of the checkout and the form's random
   * nonce. Only the gateway can make one, and only for a checkout whose link the page was opened with, so a form
   * posted from another site (which can read neither the page nor the key) cannot carry a valid one.
   */
  csrfToken(checkoutId: string, nonce: string): string {
    return createHmac('sha256', this.csrfKey).update(`${checkoutId}.${nonce}`).digest('base64url');
  }

  csrfValid(checkoutId: string, nonce: unknown, csrf: unknown): boolean {
    if (typeof nonce !== 'string' || typeof csrf !== 'string' || !NONCE_PATTERN.test(nonce)) return false;
    const expected = Buffer.from(this.csrfToken(checkoutId, nonce));
    const given = Buffer.from(csrf);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** A form nonce: 16 random bytes, base64url (22 characters). It also names the payment attempt. */
export const NONCE_PATTERN = /^[\w-]{22}$/;
