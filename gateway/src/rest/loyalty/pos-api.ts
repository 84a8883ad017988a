import { MAX_AMOUNT_CENTS, SCOPES, fromDecimalString } from '@pos/kit';
import { z } from 'zod';
import { timestamp } from '../common';
import { USER_ERROR_FIELDS } from '../errors';
import { defineRoute } from '../route';

/**
 * The loyalty POS API: earn, redeem and coupon redemption, authenticated with the org's
 * `X-Api-Key`. Bodies are its document's, snake_case, wrapped in `{"data": …}`. The purchase `amount` is the one decimal
 * at this edge: converted to cents here, once (loyalty orgs count in USD, 2 decimals).
 */

const PURCHASE_CURRENCY = 'USD';
/** Far above any stamp card; only there so that a number like 1e300 is a clear 400. */
const MAX_STAMPS = 1000;

const CUSTOMER_CODE_ERROR = 'must be a 6-digit customer code, e.g. 482193';
// The message on each check too: a union whose branch matched the type reports that branch's own issue.
const customerCode = z
  .union(
    [
      z
        .number()
        .int({ error: CUSTOMER_CODE_ERROR })
        .min(100_000, { error: CUSTOMER_CODE_ERROR })
        .max(999_999, { error: CUSTOMER_CODE_ERROR }),
      z.string().regex(/^\d{6}$/, { error: CUSTOMER_CODE_ERROR }),
    ],
    { error: CUSTOMER_CODE_ERROR },
  )
  .describe('6-digit customer identifier (a number such as 482193, or the same digits as a string)');

const externalId = z
  .string({ error: 'is required: your unique order or transaction id (1–128 characters)' })
  .min(1)
  .max(128)
  .describe('Your unique order/transaction id, used for idempotency (1–128 characters)');

const verificationPin = z
  .string()
  .regex(/^\d{4}$/, 'must be the 4 digits shown on the customer’s dashboard')
  .nullable()
  .optional()
  .describe(
    'The PIN read from the customer’s dashboard, when the org’s preset asks for one. Omit it on the first call: ' +
      'a gated call answers 412 pin_required with a challenge_id',
  );

const manualCode = z
  .boolean()
  .optional()
  .describe('true if the cashier typed the code by hand instead of scanning a QR; Strict orgs refuse it (422)');

const cardType = (fallback: 'point' | 'stamp') =>
  z.enum(['point', 'stamp']).default(fallback).describe(`"point" or "stamp" (default "${fallback}")`);

const earnBody = z
  .object({
    customer_code: customerCode,
    amount: z
      .number({ error: 'must be a number' })
      .positive()
      .describe('Purchase total for a point card (e.g. 85.50), or the number of stamps for a stamp card'),
    card_type: cardType('point'),
    external_id: externalId,
    verification_pin: verificationPin,
    manual_code: manualCode,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.card_type === 'point') {
      const cents = fromDecimalString(String(body.amount), PURCHASE_CURRENCY);
      if (cents === null || cents > MAX_AMOUNT_CENTS) {
        ctx.addIssue({
          code: 'custom',
          path: ['amount'],
          message: `must be a purchase total with at most 2 decimals, up to ${MAX_AMOUNT_CENTS / 100}`,
        });
      }
    } else if (body.amount > MAX_STAMPS) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `at most ${MAX_STAMPS} stamps` });
    }
  });

const redeemBody = z
  .object({
    customer_code: customerCode,
    value: z
      .number({ error: 'must be a number' })
      .int()
      .positive()
      .max(MAX_AMOUNT_CENTS)
      .describe('Number of stamps or points to deduct (a positive integer)'),
    card_type: cardType('stamp'),
    external_id: externalId,
    verification_pin: verificationPin,
    manual_code: manualCode,
  })
  .strict();

const couponRedeemBody = z
  .object({
    token: z
      .string({ error: 'is required: the qr_token of the coupon' })
      .min(1)
      .max(64)
      .describe('The qr_token of the coupon (scanned from the customer’s QR code, or from the earn response)'),
    verification_pin: verificationPin,
    manual_code: z
      .boolean()
      .optional()
      .describe('true if the cashier typed the token by hand instead of scanning it; Strict orgs refuse it (422)'),
  })
  .strict();

const balance = { stamps: z.number().int(), points: z.number().int() };
const alreadyProcessed = z
  .object({ message: z.literal('already processed') })
  .describe('The external_id was processed before: nothing was recorded this time');
const couponSchema = z.object({ id: z.string(), name: z.string(), qr_token: z.string() });

/** A refusal's user errors and the PIN facts its REST error body carries (challenge_id, remaining_attempts, ...). */
const REFUSAL_FIELDS = `${USER_ERROR_FIELDS}
  pinVerification { challengeId expiresAt remainingAttempts lockedUntil retryAfterSeconds }`;
const BALANCE_FIELDS = `${REFUSAL_FIELDS} idempotentReplay points stamps`;
const COUPON_FIELDS = 'id name qrToken';

interface BalancePayload {
  idempotentReplay: boolean;
  points: number;
  stamps: number;
  coupon?: { id: string; name: string; qrToken: string } | null;
}

const balanceResponse = (payload: BalancePayload) => ({
  status: 200,
  body: {
    data: payload.idempotentReplay
      ? { message: 'already processed' }
      : {
          stamps: payload.stamps,
          points: payload.points,
          ...(payload.coupon
            ? { coupon: { id: payload.coupon.id, name: payload.coupon.name, qr_token: payload.coupon.qrToken } }
            : {}),
        },
  },
});

const PIN_ERRORS = [402, 412, 422, 429];

export const loyaltyRoutes = [
  defineRoute({
    method: 'post',
    path: '/webhook/pos',
    operationId: 'earnLoyalty',
    summary: 'Earn: award points or stamps after a purchase',
    description:
      'Points = round(amount × earn_ratio), half up; stamps: amount is the count, rounded half up, at least 1, at ' +
      'most the org’s maximum per earn. A stamp card that fills issues its reward coupon (in the response) and ' +
      'starts a new card. Idempotent by external_id. Strict orgs ask for the customer’s PIN (412 pin_required).',
    tags: ['Loyalty'],
    scope: SCOPES.loyaltyPos,
    auth: 'apiKey',
    params: z.object({}),
    query: z.object({}).strict(),
    body: earnBody,
    errors: PIN_ERRORS,
    document: `mutation Earn($input: EarnLoyaltyInput!) {
      earnLoyalty(input: $input) { ${BALANCE_FIELDS} coupon { ${COUPON_FIELDS} } }
    }`,
    variables: ({ body }) => ({
      input: {
        customerCode: String(body.customer_code),
        cardType: body.card_type.toUpperCase(),
        ...(body.card_type === 'point'
          ? { amountMinor: fromDecimalString(String(body.amount), PURCHASE_CURRENCY) }
          : { stamps: body.amount }),
        externalId: body.external_id,
        verificationPin: body.verification_pin ?? null,
        manualCode: body.manual_code ?? false,
      },
    }),
    respond: (data) => balanceResponse(data.earnLoyalty as BalancePayload),
    response: {
      status: 200,
      description: 'The customer’s balance after the earn (with the coupon a filled card issued), or already processed',
      schema: z.object({
        data: z.union([z.object({ ...balance, coupon: couponSchema.optional() }), alreadyProcessed]),
      }),
    },
  }),
  defineRoute({
    method: 'post',
    path: '/webhook/redeem',
    operationId: 'redeemLoyalty',
    summary: 'Redeem: deduct stamps or points',
    description:
      'Idempotent by external_id. Balanced and Strict orgs ask for the customer’s PIN (412 pin_required); a ' +
      'balance below value is 422 insufficient_balance.',
    tags: ['Loyalty'],
    scope: SCOPES.loyaltyPos,
    auth: 'apiKey',
    params: z.object({}),
    query: z.object({}).strict(),
    body: redeemBody,
    errors: PIN_ERRORS,
    document: `mutation Redeem($input: RedeemLoyaltyInput!) { redeemLoyalty(input: $input) { ${BALANCE_FIELDS} } }`,
    variables: ({ body }) => ({
      input: {
        customerCode: String(body.customer_code),
        cardType: body.card_type.toUpperCase(),
        value: body.value,
        externalId: body.external_id,
        verificationPin: body.verification_pin ?? null,
        manualCode: body.manual_code ?? false,
      },
    }),
    respond: (data) => balanceResponse(data.redeemLoyalty as BalancePayload),
    response: {
      status: 200,
      description: 'The customer’s balance after the redemption, or already processed',
      schema: z.object({ data: z.union([z.object(balance), alreadyProcessed]) }),
    },
  }),
  defineRoute({
    method: 'post',
    path: '/webhook/coupons/redeem',
    operationId: 'redeemLoyaltyCoupon',
    summary: 'Redeem a reward coupon by its QR token',
    description:
      'A coupon is redeemed once: again is 422 coupon_already_redeemed; an unknown token is 400 coupon not found. ' +
      'Balanced and Strict orgs ask for the customer’s PIN (412 pin_required).',
    tags: ['Loyalty'],
    scope: SCOPES.loyaltyPos,
    auth: 'apiKey',
    params: z.object({}),
    query: z.object({}).strict(),
    body: couponRedeemBody,
    errors: PIN_ERRORS,
    document: `mutation RedeemCoupon($input: RedeemLoyaltyCouponInput!) {
      redeemLoyaltyCoupon(input: $input) { ${REFUSAL_FIELDS} coupon { ${COUPON_FIELDS} status issuedAt redeemedAt } }
    }`,
    variables: ({ body }) => ({
      input: {
        token: body.token,
        verificationPin: body.verification_pin ?? null,
        manualCode: body.manual_code ?? false,
      },
    }),
    respond: (data) => {
      const { coupon } = data.redeemLoyaltyCoupon as {
        coupon: { id: string; name: string; qrToken: string; status: string; issuedAt: string; redeemedAt: string };
      };
      return {
        status: 200,
        body: {
          data: {
            id: coupon.id,
            name: coupon.name,
            status: coupon.status.toLowerCase(),
            qr_token: coupon.qrToken,
            issued_at: coupon.issuedAt,
            redeemed_at: coupon.redeemedAt,
          },
        },
      };
    },
    response: {
      status: 200,
      description: 'The redeemed coupon',
      schema: z.object({
        data: couponSchema.extend({ status: z.literal('redeemed'), issued_at: timestamp(), redeemed_at: timestamp() }),
      }),
    },
  }),
];
