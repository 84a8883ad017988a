import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'cq_';
const MAC_BYTES = 16;

const macOf = (key: Buffer, id: Buffer) => createHmac('sha256', key).update(id).digest().subarray(0, MAC_BYTES);

/**
 * A coupon's QR token: `cq_` + base64url(coupon id ‖ HMAC-SHA256(key, id) truncated to 128 bits). Derived, never
 * stored: the customer's dashboard and the earn response show it, the POS scans it back, and only a token this
 * service minted opens a coupon. 128 bits of MAC leave nothing to guess.
 */
export function couponToken(key: Buffer, couponId: string): string {
  const id = Buffer.from(couponId.replace(/-/g, ''), 'hex');
  return PREFIX + Buffer.concat([id, macOf(key, id)]).toString('base64url');
}

/** The coupon id a token names, or null when the token is malformed or was not minted with this key. */
export function couponIdOfToken(key: Buffer, token: string): string | null {
  if (!token.startsWith(PREFIX) || token.length > 64) return null;
  const text = token.slice(PREFIX.length);
  const raw = Buffer.from(text, 'base64url');
  // Only the canonical spelling: the last of 43 characters carries 2 unused bits, and base64 decoding ignores them
  // (and anything it cannot read), so without this check several tokens would open the same coupon.
  if (raw.length !== 16 + MAC_BYTES || raw.toString('base64url') !== text) return null;
  const id = raw.subarray(0, 16);
  if (!timingSafeEqual(raw.subarray(16), macOf(key, id))) return null;
  const hex = id.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
