import { createHmac } from 'node:crypto';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  newWebhookSecret,
  signatureHeader,
  signatureOf,
  verifySignature,
} from '../src/modules/webhook/webhook.signature';

/**
 * The test vector of docs/webhooks.md ("Verifying a webhook") and of the AsyncAPI document's example. Change
 * one and the others must change with it: partners check their verifier against these exact values.
 */
const VECTOR = {
  secret: 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
  eventId: '5f0c3f52-7d0e-4c1e-9a7b-2b8f3d6a1e90',
  timestamp: 1767225600,
  rawBody:
    '{"id":"5f0c3f52-7d0e-4c1e-9a7b-2b8f3d6a1e90","type":"payment.approved","api_version":"v1",' +
    '"created_at":"2026-01-01T00:00:00.000Z","sequence":"42","partner_id":"demo","location_id":"1",' +
    '"payment_version":2,"payload_version":1,"data":{"payment":{"id":"0b7e6c1a-3f2d-4e8b-9c5a-1d2e3f4a5b6c",' +
    '"status":"approved","amount_cents":2500,"refunded_cents":0,"tip_cents":0,"currency":"USD",' +
    '"order_id":"8d9e0f1a-2b3c-4d5e-8f60-718293a4b5c6","check_id":null,"processor":"valor",' +
    '"processor_reference":"valor_sbx_3f9a1c2e7b4d5a6f8e0c"}}}',
  signature: '0eaa1352181dbdf72d1879b798700831f19150d1cbf92de4011f613bef1644db',
};

/** A secret being rotated out, still signing during its overlap window. */
const OLD_SECRET = 'whsec___79_Pv6-fj39vX08_Lx8O_u7ezr6uno5-bl5OPi4eA';
const OLD_SIGNATURE = '0e2455da40ed89f40be028c61223d8a3099dcd2528742b6659f2950de881e77d';

const valid = {
  secret: VECTOR.secret,
  header: `hmac-sha256=${VECTOR.signature}`,
  eventId: VECTOR.eventId,
  timestamp: String(VECTOR.timestamp),
  rawBody: VECTOR.rawBody,
  nowSeconds: VECTOR.timestamp + 30,
};

describe('webhook signature', () => {
  describe('the test vector', () => {
    it('is HMAC-SHA256 of `<event id>.<timestamp>.<raw body>` keyed with the whole secret, hex', () => {
      expect(Buffer.byteLength(VECTOR.rawBody)).toBe(520);
      expect(signatureOf(VECTOR.secret, VECTOR.eventId, VECTOR.timestamp, VECTOR.rawBody)).toBe(VECTOR.signature);
      // What a receiver computes with nothing but node:crypto, as docs/webhooks.md shows it.
      const message = `${VECTOR.eventId}.${VECTOR.timestamp}.${VECTOR.rawBody}`;
      expect(createHmac('sha256', Buffer.from(VECTOR.secret, 'utf8')).update(message).digest('hex')).toBe(
        VECTOR.signature,
      );
    });

    it('the key is the secret string itself, `whsec_` included, not its decoded bytes', () => {
      const decoded = Buffer.from(VECTOR.secret.slice('whsec_'.length), 'base64url');
      const message = `${VECTOR.eventId}.${VECTOR.timestamp}.${VECTOR.rawBody}`;
      expect(createHmac('sha256', decoded).update(message).digest('hex')).not.toBe(VECTOR.signature);
    });

    it('the header carries one signature per active secret, newest first', () => {
      expect(signatureHeader([VECTOR.secret], VECTOR.eventId, VECTOR.timestamp, VECTOR.rawBody)).toBe(
        `hmac-sha256=${VECTOR.signature}`,
      );
      expect(signatureHeader([VECTOR.secret, OLD_SECRET], VECTOR.eventId, VECTOR.timestamp, VECTOR.rawBody)).toBe(
        `hmac-sha256=${VECTOR.signature}, hmac-sha256=${OLD_SIGNATURE}`,
      );
    });
  });

  describe('verifySignature', () => {
    it('accepts the test vector', () => {
      expect(verifySignature(valid)).toBe(true);
    });

    it('refuses a tampered body, even one that parses to the same JSON', () => {
      expect(verifySignature({ ...valid, rawBody: VECTOR.rawBody.replace('2500', '2501') })).toBe(false);
      expect(verifySignature({ ...valid, rawBody: JSON.stringify(JSON.parse(VECTOR.rawBody), null, 2) })).toBe(false);
      expect(verifySignature({ ...valid, rawBody: `${VECTOR.rawBody}\n` })).toBe(false);
    });

    it('refuses another event id or timestamp than the signed ones', () => {
      expect(verifySignature({ ...valid, eventId: '5f0c3f52-7d0e-4c1e-9a7b-2b8f3d6a1e91' })).toBe(false);
      expect(verifySignature({ ...valid, timestamp: String(VECTOR.timestamp + 1) })).toBe(false);
    });

    it('refuses another secret', () => {
      expect(verifySignature({ ...valid, secret: OLD_SECRET })).toBe(false);
      expect(verifySignature({ ...valid, secret: newWebhookSecret() })).toBe(false);
    });

    it(`refuses a timestamp more than ${SIGNATURE_TOLERANCE_SECONDS} s from the receiver's clock, either way`, () => {
      const at = (nowSeconds: number) => verifySignature({ ...valid, nowSeconds });
      expect(at(VECTOR.timestamp + SIGNATURE_TOLERANCE_SECONDS)).toBe(true);
      expect(at(VECTOR.timestamp - SIGNATURE_TOLERANCE_SECONDS)).toBe(true);
      expect(at(VECTOR.timestamp + SIGNATURE_TOLERANCE_SECONDS + 1)).toBe(false);
      expect(at(VECTOR.timestamp - SIGNATURE_TOLERANCE_SECONDS - 1)).toBe(false);
      expect(verifySignature({ ...valid, nowSeconds: VECTOR.timestamp + 3600, toleranceSeconds: 3600 })).toBe(true);
      // Without nowSeconds the receiver's clock is now, years after the vector was signed.
      expect(verifySignature({ ...valid, nowSeconds: undefined })).toBe(false);
    });

    it('accepts a rotation header when any signature matches: the receiver holding only the old secret', () => {
      const header = `hmac-sha256=${VECTOR.signature}, hmac-sha256=${OLD_SIGNATURE}`;
      expect(verifySignature({ ...valid, header, secret: OLD_SECRET })).toBe(true);
      expect(verifySignature({ ...valid, header, secret: VECTOR.secret })).toBe(true);
      expect(
        verifySignature({
          ...valid,
          header: `hmac-sha256=${'0'.repeat(64)}, hmac-sha256=${OLD_SIGNATURE}`,
          secret: VECTOR.secret,
        }),
      ).toBe(false);
    });

    it('refuses missing and malformed headers', () => {
      for (const header of [
        undefined,
        '',
        VECTOR.signature,
        `sha256=${VECTOR.signature}`,
        `v1=${VECTOR.signature}`,
        `HMAC-SHA256=${VECTOR.signature}`,
        `hmac-sha256=${VECTOR.signature.toUpperCase()}`,
        `hmac-sha256=${VECTOR.signature.slice(0, 62)}`,
        `hmac-sha256=${VECTOR.signature}00`,
        `hmac-sha256=${VECTOR.signature.slice(0, 63)}g`,
        `hmac-sha256=${Buffer.from(VECTOR.signature, 'hex').toString('base64')}`,
        `t=${VECTOR.timestamp},v1=${VECTOR.signature}`,
        `hmac-sha256=`,
        ',,,',
      ]) {
        expect(verifySignature({ ...valid, header })).toBe(false);
      }
      for (const timestamp of [undefined, '', '-1767225600', '1767225600.0', '1767225600 ', '2026-01-01T00:00:00Z']) {
        expect(verifySignature({ ...valid, timestamp })).toBe(false);
      }
      expect(verifySignature({ ...valid, eventId: undefined })).toBe(false);
      expect(verifySignature({ ...valid, eventId: '' })).toBe(false);
    });

    it('tolerates spacing around the comma of a rotation header', () => {
      expect(
        verifySignature({ ...valid, header: `hmac-sha256=${OLD_SIGNATURE},hmac-sha256=${VECTOR.signature}` }),
      ).toBe(true);
    });
  });
});
