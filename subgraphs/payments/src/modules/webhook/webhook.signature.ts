import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How a webhook delivery is signed (docs/webhooks.md, "Verifying a webhook"). The signed message binds the three things a
 * receiver checks: `<event id>.<unix timestamp>.<raw body>`, HMAC-SHA256 with the endpoint's secret (its UTF-8
 * bytes, `whsec_` prefix included, for every form of secret), hex. Binding the timestamp and the event id stops a captured delivery from
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

/**
 * A new endpoint secret in the Standard Webhooks form: `whsec_` and 32 random bytes in standard base64 (44
 * characters, padded). Shown once; stored only sealed. Secrets made before Standard Webhooks were `whsec_` and
 * base64url without padding (43 characters), which this form never matches: see {@link standardWebhookKey}.
 */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Standard Webhooks headers (https://www.standardwebhooks.com), sent beside the X-Tilt ones. */
export const STANDARD_ID_HEADER = 'webhook-id';
export const STANDARD_TIMESTAMP_HEADER = 'webhook-timestamp';
export const STANDARD_SIGNATURE_HEADER = 'webhook-signature';

const STANDARD_SECRET = /^whsec_([A-Za-z0-9+/]{43}=)$/;

/**
 * The Standard Webhooks HMAC key of a secret: the bytes its base64 part decodes to. Null for a secret made before
 * Standard Webhooks (base64url, unpadded): its bytes were never meant to be decoded, and a receiver's
 * `standardwebhooks` library would decode it differently, so such an endpoint gets no Standard Webhooks headers
 * until its secret is rotated.
 */
export function standardWebhookKey(secret: string): Buffer | null {
  const match = STANDARD_SECRET.exec(secret);
  return match ? Buffer.from(match[1], 'base64') : null;
}

/**
 * The Standard Webhooks headers of a delivery: `webhook-id` is the event id (the same on every attempt, what a
 * receiver deduplicates by), `webhook-timestamp` the same timestamp X-Tilt-Timestamp carries, and
 * `webhook-signature` one `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per signing secret that has a Standard
 * Webhooks key, space-separated. Empty when none has (every signing secret predates Standard Webhooks).
 */
export function standardWebhookHeaders(
  secrets: readonly string[],
  eventId: string,
  timestamp: number,
  rawBody: string,
): Record<string, string> {
  const keys = secrets.map(standardWebhookKey).filter((key): key is Buffer => key !== null);
  if (!keys.length) return {};
  const signed = `${eventId}.${timestamp}.${rawBody}`;
  return {
    [STANDARD_ID_HEADER]: eventId,
    [STANDARD_TIMESTAMP_HEADER]: String(timestamp),
    [STANDARD_SIGNATURE_HEADER]: keys
      .map((key) => `v1,${createHmac('sha256', key).update(signed).digest('base64')}`)
      .join(' '),
  };
}

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
