import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How a webhook delivery is signed (README, "Verifying a webhook"). The signed message binds the three things a
 * receiver checks: `<event id>.<unix timestamp>.<raw body>`, HMAC-SHA256 with the endpoint's secret (its UTF-8
 * bytes, `whsec_` prefix included), hex. Binding the timestamp and the event id stops a captured delivery from
 * being replayed later or under another id; the raw body must be verified before it is parsed.
 */
export const SIGNATURE_HEADER = 'x-tilt-signature';
export const TIMESTAMP_HEADER = 'x-tilt-timestamp';
export const EVENT_ID_HEADER = 'x-tilt-event-id';
export const EVENT_TYPE_HEADER = 'x-tilt-event-type';
export const DELIVERY_ID_HEADER = 'x-tilt-delivery-id';
export const ATTEMPT_HEADER = 'x-tilt-delivery-attempt';

export const SIGNATURE_SCHEME = 'hmac-sha256';
/** A receiver should refuse a delivery whose timestamp is further than this from its clock (seconds). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** A new endpoint secret: `whsec_` and 32 random bytes, base64url. Shown once; stored only sealed. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export function signatureOf(secret: string, eventId: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${eventId}.${timestamp}.${rawBody}`).digest('hex');
}

/**
 * The X-Tilt-Signature value: one `hmac-sha256=<hex>` per secret that signs (two while a rotated-out secret is in
 * its overlap window, the newest first), comma-separated.
 */
export const signatureHeader = (secrets: readonly string[], eventId: string, timestamp: number, rawBody: string) =>
  secrets.map((secret) => `${SIGNATURE_SCHEME}=${signatureOf(secret, eventId, timestamp, rawBody)}`).join(', ');

/**
 * What a receiver does (and what our tests do): true when one of the header's signatures matches `secret` and the
 * timestamp is within the tolerance of `nowSeconds`. Compared in constant time.
 */
export function verifySignature(input: {
  secret: string;
  header: string | undefined;
  eventId: string | undefined;
  timestamp: string | undefined;
  rawBody: string;
  nowSeconds?: number;
  toleranceSeconds?: number;
}): boolean {
  const { header, eventId, timestamp } = input;
  if (!header || !eventId || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signatureOf(input.secret, eventId, Number(timestamp), input.rawBody), 'hex');
  return header.split(',').some((part) => {
    const [scheme, hex] = part.trim().split('=');
    if (scheme !== SIGNATURE_SCHEME || !hex || !/^[0-9a-f]{64}$/.test(hex)) return false;
    return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
}
