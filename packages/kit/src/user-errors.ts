import 'reflect-metadata';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { DomainError, ErrorCode } from './errors';

/**
 * The mutation contract of the graph: `name(input: NameInput!): NamePayload`, the payload nullable, with
 * `userErrors`. A business refusal (a balance too low, a PIN to ask for, a key reused) is an answer, not a failure:
 * it comes back as `userErrors` on the payload, so it reaches generated types and never nulls the rest of `data`.
 * Authentication, authorisation, not-found across the tenant boundary, rate limits, outages and malformed documents
 * stay top-level errors. Services keep throwing {@link DomainError}s; {@link userErrorPayload} turns the refusals
 * into user errors at the resolver, through the one table below.
 */

/**
 * One code per refusal, for every subgraph (one enum: a client switches on one type). Each is a DomainError reason
 * (upper-cased) with the error code the REST facade maps it back to; `field` is where in the input the refusal
 * points when that is always the same place.
 */
const USER_ERRORS = {
  VALIDATION: {
    error: ErrorCode.BAD_USER_INPUT,
    reason: 'validation_error',
    description: 'An input value is invalid; `field` names it and `message` says what is expected',
  },
  CUSTOMER_NOT_FOUND: {
    error: ErrorCode.BAD_USER_INPUT,
    reason: 'customer not found',
    field: ['input', 'customerCode'],
    description: 'No loyalty customer has this code in the caller’s orgs (a typo, or another org’s customer)',
  },
  COUPON_NOT_FOUND: {
    error: ErrorCode.BAD_USER_INPUT,
    reason: 'coupon not found',
    field: ['input', 'token'],
    description: 'No coupon of the caller’s orgs has this token',
  },
  SUBSCRIPTION_REQUIRED: {
    error: ErrorCode.PAYMENT_REQUIRED,
    reason: 'subscription_required',
    description: 'The loyalty subscription of the org has lapsed: nothing is recorded until it is renewed',
  },
  MANUAL_CODE_DISABLED: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'manual_code_disabled',
    field: ['input', 'manualCode'],
    description: 'The org accepts only scanned codes and tokens (its STRICT preset): scan the QR instead',
  },
  INSUFFICIENT_BALANCE: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'insufficient_balance',
    description: 'The customer’s points or stamps do not cover the redemption',
  },
  COUPON_ALREADY_REDEEMED: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'coupon_already_redeemed',
    field: ['input', 'token'],
    description: 'The coupon was already redeemed (or is no longer active)',
  },
  NOT_REVERSIBLE: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'not_reversible',
    description: 'The loyalty transaction cannot be reversed: not an earn or a redeem, already reversed, or spent',
  },
  PIN_REQUIRED: {
    error: ErrorCode.PRECONDITION_FAILED,
    reason: 'pin_required',
    field: ['input', 'verificationPin'],
    description:
      'The org asks for the customer’s PIN: read it on their dashboard and retry with `verificationPin`; the ' +
      'payload’s `pinVerification` carries the challenge (`challengeId`, `expiresAt`)',
  },
  PIN_INVALID: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'pin_invalid',
    field: ['input', 'verificationPin'],
    description: 'The PIN is wrong; `pinVerification.remainingAttempts` says how many tries this challenge has left',
  },
  PIN_EXPIRED: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'pin_expired',
    field: ['input', 'verificationPin'],
    description: 'The PIN’s challenge expired: retry without `verificationPin` for a fresh one',
  },
  PIN_ATTEMPTS_EXCEEDED: {
    error: ErrorCode.RATE_LIMITED,
    reason: 'pin_attempts_exceeded',
    field: ['input', 'verificationPin'],
    description: 'Too many wrong PINs on this challenge: retry without `verificationPin` for a fresh one',
  },
  PIN_LOCKED: {
    error: ErrorCode.RATE_LIMITED,
    reason: 'pin_locked',
    description:
      'Too many wrong PINs for this customer: PIN verification is refused until `pinVerification.lockedUntil`',
  },
  IDEMPOTENCY_KEY_REUSED: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'idempotency_key_reused',
    field: ['input', 'idempotencyKey'],
    description: 'This idempotency key was already used with a different input: use a new key for a new request',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    error: ErrorCode.CONFLICT,
    reason: 'idempotency_key_in_use',
    field: ['input', 'idempotencyKey'],
    description: 'A request with this idempotency key is still running: retry once it has finished',
  },
  DUPLICATE_EXTERNAL_ID: {
    error: ErrorCode.CONFLICT,
    reason: 'duplicate_external_id',
    field: ['input', 'externalId'],
    description: 'Another record already has this external id (per partner and source)',
  },
  // The checks subgraph's refusals (openCheck … closeCheck).
  DUPLICATE_POS_REF: {
    error: ErrorCode.CONFLICT,
    reason: 'duplicate_pos_ref',
    field: ['input', 'posRef'],
    description: 'The location already has a check with this posRef: pick another, or read that check',
  },
  CHECK_LOCKED: {
    error: ErrorCode.CONFLICT,
    reason: 'check_locked',
    description: 'The check is locked while it is being paid: unlockCheck first, or wait for the payment',
  },
  CHECK_CLOSED: {
    error: ErrorCode.CONFLICT,
    reason: 'check_closed',
    description: 'The check is closed for good and cannot be changed: open a new check',
  },
  CHECK_TOTAL_BELOW_PAID: {
    error: ErrorCode.CONFLICT,
    reason: 'check_total_below_paid',
    description:
      'The change would take the check’s total below what is paid or being paid on it (or, closing, the check holds ' +
      'more than its total): refund or void a payment first',
  },
  CHECK_TOTAL_TOO_LARGE: {
    error: ErrorCode.BAD_USER_INPUT,
    reason: 'check_total_too_large',
    description: 'The change would take the check’s total above the largest amount a check may have',
  },
  CHECK_FULL: {
    error: ErrorCode.BAD_USER_INPUT,
    reason: 'check_full',
    description: 'The check already holds the most items a check may have (500): open another check',
  },
  CHECK_ITEM_NOT_FOUND: {
    error: ErrorCode.NOT_FOUND,
    reason: 'check_item_not_found',
    field: ['input', 'itemId'],
    description: 'The check has no item with this id (removed already, or an item of another check)',
  },
  CHECK_TAX_NOT_FOUND: {
    error: ErrorCode.NOT_FOUND,
    reason: 'check_tax_not_found',
    field: ['input', 'name'],
    description: 'The check has no tax of this name',
  },
  // Payments: card payments, voids, reversals, refunds and batches (the payments subgraph).
  PAYMENT_DECLINED: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'payment_declined',
    field: ['input', 'cardToken'],
    description:
      'The processor declined the card. The payload still carries the declined payment (status DECLINED, ' +
      '`failureCode` says why): ask for another card and pay again with a new idempotency key',
  },
  AMOUNT_EXCEEDS_DUE: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'amount_exceeds_due',
    field: ['input', 'amountMinor'],
    description: 'The amount is more than the order or check still owes; a further user error says what is due',
  },
  CURRENCY_MISMATCH: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'currency_mismatch',
    field: ['input', 'currency'],
    description: 'The currency is not the one of the order or check being paid; a further user error names it',
  },
  REFUND_EXCEEDS_REFUNDABLE: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'amount_exceeds_refundable',
    field: ['input', 'amountMinor'],
    description:
      'The refund is more than what is left to refund of the payment (pending refunds count); a further user ' +
      'error says what is left',
  },
  PAYMENT_NOT_REFUNDABLE: {
    error: ErrorCode.CONFLICT,
    reason: 'payment_not_refundable',
    description: 'Only an approved or partly refunded payment can be refunded (not a declined, voided, ... one)',
  },
  PAYMENT_SETTLED: {
    error: ErrorCode.CONFLICT,
    reason: 'payment_settled',
    description: 'The payment’s batch has closed, so it can no longer be voided: refund it instead',
  },
  PAYMENT_HAS_REFUNDS: {
    error: ErrorCode.CONFLICT,
    reason: 'payment_has_refunds',
    description: 'A payment with refunds (done or pending) cannot be voided: refund the rest instead',
  },
  PAYMENT_EXTERNAL: {
    error: ErrorCode.CONFLICT,
    reason: 'payment_external',
    description:
      'A mobile payment provider registered this sale with its own processor: void, reverse or refund it there',
  },
  REVERSAL_PENDING: {
    error: ErrorCode.CONFLICT,
    reason: 'reversal_pending',
    description:
      'A reversal of the payment is waiting for the processor: retry once it has settled or failed ' +
      '(the payment.reversal_settled or payment.reversal_failed event)',
  },
  PAYMENT_BUSY: {
    error: ErrorCode.CONFLICT,
    reason: 'payment_busy',
    description: 'A void or refund of the payment is still with the processor: retry in a few seconds',
  },
  INVALID_STATE_TRANSITION: {
    error: ErrorCode.CONFLICT,
    reason: 'invalid_state_transition',
    description:
      'The payment’s status does not allow this (voiding a declined or refunded payment, reversing a voided one, ' +
      'an outcome the state machine refuses); the message names both states',
  },
  // payCheck: a mobile provider's sale registered on a check (the payments subgraph; the check's own refusals, such
  // as CHECK_LOCKED and AMOUNT_EXCEEDS_DUE, are the codes above).
  CHECK_NOT_OPEN: {
    error: ErrorCode.CONFLICT,
    reason: 'check_not_open',
    description: 'The check is not open (closed or cancelled), so nothing more can be paid on it',
  },
  INVOICE_ALREADY_REGISTERED: {
    error: ErrorCode.CONFLICT,
    reason: 'invoice_already_registered',
    field: ['input', 'transaction', 'invoice'],
    description:
      'This processor transaction is already registered with other details (amount, tip, authorization code or ' +
      'check): one registration per transaction; the same details again answer the first payment instead',
  },
  // Webhook endpoints and deliveries (the payments subgraph).
  WEBHOOK_URL_NOT_ALLOWED: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'url_not_allowed',
    field: ['input', 'url'],
    description:
      'The URL’s host resolves to a private, loopback or otherwise reserved address, which deliveries may not reach: ' +
      'give a publicly reachable URL',
  },
  WEBHOOK_ENDPOINT_LIMIT: {
    error: ErrorCode.UNPROCESSABLE,
    reason: 'too_many_endpoints',
    description:
      'The partner already has the most endpoints it may register (20): point one of them elsewhere with ' +
      'updateWebhookEndpoint instead',
  },
  WEBHOOK_DELIVERY_NOT_DEAD: {
    error: ErrorCode.CONFLICT,
    reason: 'delivery_not_dead',
    field: ['input', 'id'],
    description:
      'Only a delivery in the dead-letter queue (status DEAD) can be replayed; this one is pending or delivered',
  },
  WEBHOOK_ENDPOINT_DISABLED: {
    error: ErrorCode.CONFLICT,
    reason: 'endpoint_disabled',
    description:
      'The delivery’s endpoint is disabled: enable it (updateWebhookEndpoint with enabled: true), then replay',
  },
} as const satisfies Record<string, UserErrorSpec>;

interface UserErrorSpec {
  error: ErrorCode;
  reason: string;
  field?: readonly string[];
  description: string;
}

export type UserErrorCode = keyof typeof USER_ERRORS;
export const UserErrorCode = Object.fromEntries(Object.keys(USER_ERRORS).map((code) => [code, code])) as {
  [K in UserErrorCode]: K;
};
registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Why a mutation refused its input: switch on it (messages are for people and may change)',
  valuesConfig: Object.fromEntries(
    Object.entries(USER_ERRORS).map(([code, spec]) => [code, { description: spec.description }]),
  ),
});

const CODE_OF_REASON = new Map<string, UserErrorCode>(
  Object.entries(USER_ERRORS).map(([code, spec]) => [spec.reason, code as UserErrorCode]),
);

/** The error code and reason a user error stands for, for a transport that answers refusals its own way (REST). */
export const userErrorSpec = (code: string): { error: ErrorCode; reason: string } | undefined =>
  (USER_ERRORS as Record<string, UserErrorSpec>)[code];

@Directive('@shareable')
@ObjectType({ description: 'A refusal of a mutation’s input: what to fix, and where' })
export class UserError {
  @Field(() => UserErrorCode, { description: 'What went wrong, stable: switch on this' })
  code!: UserErrorCode;

  @Field(() => [String], {
    nullable: true,
    description:
      'The path of the input value at fault, from the mutation’s argument (`["input", "customerCode"]`); null ' +
      'when the refusal is not about one value',
  })
  field!: string[] | null;

  @Field({ description: 'What went wrong, in English, to show or log' })
  message!: string;
}

/** Every mutation payload has these; the rest of its fields are null when a refusal is reported. */
export interface UserErrorsPayload {
  userErrors: UserError[];
}

/** `lineItems.0.quantity: must be …` → field ["input", "lineItems", "0", "quantity"], message `must be …`. */
const DETAIL = /^([A-Za-z_][\w]*(?:\.[\w]+)*): ([\s\S]*)$/;

/** The user errors a refusal is reported as; undefined when the error is no refusal (it stays a top-level error). */
export function userErrorsOf(error: unknown): UserError[] | undefined {
  if (!(error instanceof DomainError) || !error.reason) return undefined;
  const code = CODE_OF_REASON.get(error.reason);
  if (!code) return undefined;
  const spec: UserErrorSpec = USER_ERRORS[code];
  if (spec.error !== error.code) return undefined;
  const plain = (message: string): UserError => ({ code, field: null, message });
  if (code === UserErrorCode.VALIDATION) {
    // One user error per invalid value, each pointing at its field.
    if (!error.details.length) return [plain(error.message)];
    return error.details.map((line) => {
      const match = DETAIL.exec(line);
      return match ? { code, field: ['input', ...match[1].split('.')], message: match[2] } : plain(line);
    });
  }
  // The first states the refusal; any further ones of the same code add what the client can do about it.
  return [{ code, field: spec.field ? [...spec.field] : null, message: error.message }, ...error.details.map(plain)];
}

/**
 * Runs a mutation's service call and answers its payload: what `work` returns with no user errors, or, when the
 * service refused (see {@link userErrorsOf}), only `userErrors` (plus what `refusal` adds from the error's data, such
 * as a PIN challenge). Anything else is rethrown, to be the top-level error it is.
 */
export async function userErrorPayload<T extends object, R extends object = object>(
  work: () => Promise<T>,
  refusal?: (data: Record<string, unknown>) => R,
): Promise<(T & UserErrorsPayload) | (Partial<T> & R & UserErrorsPayload)> {
  try {
    return { ...(await work()), userErrors: [] };
  } catch (error) {
    const userErrors = userErrorsOf(error);
    if (!userErrors) throw error;
    const data = (error as DomainError).data ?? {};
    return { ...(refusal ? refusal(data) : ({} as R)), userErrors };
  }
}

/**
 * The refusal that user errors report, as the DomainError the service threw (the inverse of {@link userErrorsOf}):
 * how a transport that answers refusals its own way (the REST facade's statuses and bodies) reads them back.
 * `data` is what the payload carries of the error's facts (a PIN challenge); undefined for an unknown code.
 */
export function domainErrorOf(
  userErrors: readonly Pick<UserError, 'code' | 'field' | 'message'>[],
  data?: Record<string, unknown>,
): DomainError | undefined {
  const [first] = userErrors;
  const spec = first && userErrorSpec(first.code);
  if (!spec) return undefined;
  const facts = data && Object.keys(data).length ? data : undefined;
  if (first.code === UserErrorCode.VALIDATION) {
    const details = userErrors.map((e) =>
      e.field && e.field.length > 1 ? `${e.field.slice(1).join('.')}: ${e.message}` : e.message,
    );
    return new DomainError(spec.error, 'Validation error', details, spec.reason, facts);
  }
  const details = userErrors.slice(1).map((e) => e.message);
  return new DomainError(spec.error, first.message, details, spec.reason, facts);
}
