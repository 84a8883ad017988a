import { DomainError, ErrorCode, unprocessable } from '@pos/kit';

/**
 * The loyalty API's refusals (the error tables of the loyalty API's document), each with its stable reason: the REST facade sends the reason
 * as the body's `error`, GraphQL as `extensions.reason`. Facts the POS needs to go on (the challenge to retry,
 * the attempts left) travel with them.
 */
export const loyaltyErrors = {
  customerNotFound: () => new DomainError(ErrorCode.BAD_USER_INPUT, 'Customer not found', [], 'customer not found'),
  couponNotFound: () => new DomainError(ErrorCode.BAD_USER_INPUT, 'Coupon not found', [], 'coupon not found'),
  subscriptionRequired: () =>
    new DomainError(
      ErrorCode.PAYMENT_REQUIRED,
      'The loyalty subscription of this org has lapsed',
      [],
      'subscription_required',
    ),
  manualCodeDisabled: () =>
    unprocessable('manual_code_disabled', 'This org does not accept customer codes or coupon tokens typed by hand'),
  insufficientBalance: (unit: string, balance: number, wanted: number) =>
    unprocessable('insufficient_balance', `Balance too low: ${balance} ${unit}, ${wanted} requested`),
  couponNotActive: (status: string) =>
    unprocessable('coupon_already_redeemed', `This coupon cannot be redeemed: it is ${status.toLowerCase()}`),
  notReversible: (why: string) => unprocessable('not_reversible', why),
  pinRequired: (challengeId: string, expiresAt: Date) =>
    new DomainError(
      ErrorCode.PRECONDITION_FAILED,
      'PIN verification required: read the PIN on the customer’s dashboard and retry with verification_pin',
      [],
      'pin_required',
      { challengeId, expiresAt: expiresAt.toISOString() },
    ),
  pinInvalid: (remainingAttempts: number) =>
    unprocessable(
      'pin_invalid',
      remainingAttempts
        ? 'Incorrect PIN'
        : 'Incorrect PIN: the challenge is consumed; retry without verification_pin for a fresh one',
      [],
      { remainingAttempts },
    ),
  /** The wrong PIN that started the customer's lock: no attempt is left, on this challenge or any other. */
  pinInvalidLocked: () =>
    unprocessable(
      'pin_invalid',
      'Incorrect PIN: too many incorrect PINs for this customer; PIN verification is refused for a while',
      [],
      { remainingAttempts: 0 },
    ),
  pinExpired: () => unprocessable('pin_expired', 'The PIN has expired; retry without verification_pin for a fresh one'),
  pinAttemptsExceeded: () =>
    new DomainError(
      ErrorCode.RATE_LIMITED,
      'Too many incorrect PINs; retry without verification_pin for a fresh challenge',
      [],
      'pin_attempts_exceeded',
    ),
  /**
   * The customer's PINs are locked (too many wrong ones within the window): no challenge is issued and no PIN is
   * checked until `lockedUntil`. A rate limit, so RATE_LIMITED with the wait; the REST API names it with the code
   * its POS integrations already handle, pin_attempts_exceeded.
   */
  pinLocked: (lockedUntil: Date, now: Date) =>
    new DomainError(
      ErrorCode.RATE_LIMITED,
      `Too many incorrect PINs for this customer: PIN verification is refused until ${lockedUntil.toISOString()}`,
      [],
      'pin_locked',
      {
        lockedUntil: lockedUntil.toISOString(),
        retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000)),
      },
    ),
};
