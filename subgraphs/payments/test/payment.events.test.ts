import { DomainError, PAYMENT_EVENT_TYPES } from '@pos/kit';
import { PaymentStatus as S } from '../src/modules/payment/payment.entity';
import {
  EVENT_OF_STATUS,
  type OutcomeFacts,
  type OutcomeTarget,
  PAYMENT_TRANSITIONS,
  ProcessorOutcome as O,
  applyOutcome,
  transition,
} from '../src/modules/payment/payment.state';

const ALL = Object.values(S);

const payment = (status: S, extra: Partial<OutcomeTarget> = {}): OutcomeTarget => ({
  status,
  version: 4,
  updatedAt: new Date(0),
  settledAt: null,
  refundedCents: 0,
  failureCode: null,
  reversalRequestedAt: null,
  ...extra,
});
const QUIET: OutcomeFacts = { pendingRefundCents: 0, voidInProgress: false };

/** The refusal the state machine throws, or undefined; the payment must come out of a refusal untouched. */
function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('every payment state change emits exactly one event', () => {
  const moves = ALL.flatMap((from) => PAYMENT_TRANSITIONS[from].map((to) => [from, to] as [S, S]));

  it.each(moves)('%s → %s emits the event of its target status (or none for a decline)', (from, to) => {
    const p = payment(from);
    const event = transition(p, to);
    expect(p.status).toBe(to);
    expect(p.version).toBe(5);
    if (to === S.DECLINED) expect(event).toBeNull();
    else expect(PAYMENT_EVENT_TYPES).toContain(event);
    expect(event).toBe(EVENT_OF_STATUS[to] ?? null);
  });

  const forbidden = ALL.flatMap((from) =>
    ALL.filter((to) => !PAYMENT_TRANSITIONS[from].includes(to)).map((to) => [from, to] as [S, S]),
  );

  it.each(forbidden)('%s → %s is refused with invalid_state_transition, nothing changed', (from, to) => {
    const p = payment(from);
    const error = refusal(() => transition(p, to));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'CONFLICT', reason: 'invalid_state_transition' });
    expect(p).toEqual(payment(from));
  });

  it('can produce every event type of the partner vocabulary, and only those', () => {
    const reachable = new Set<string>(moves.map(([, to]) => EVENT_OF_STATUS[to]).filter((e) => e !== undefined));
    // A failed reversal changes no status; it is the processor outcome REVERSAL_FAILED.
    const failed = applyOutcome(payment(S.APPROVED, { reversalRequestedAt: new Date() }), O.REVERSAL_FAILED, QUIET);
    reachable.add(failed);
    expect([...reachable].sort()).toEqual([...PAYMENT_EVENT_TYPES].sort());
  });
});

describe('processor outcomes through the state machine', () => {
  const pendingReversal = new Date(1000);

  it.each([
    [O.AUTHORIZATION_EXPIRED, payment(S.PENDING), S.EXPIRED, 'payment.expired'],
    [O.AUTHORIZATION_EXPIRED, payment(S.APPROVED), S.EXPIRED, 'payment.expired'],
    [
      O.REVERSAL_SETTLED,
      payment(S.APPROVED, { reversalRequestedAt: pendingReversal }),
      S.REVERSED,
      'payment.reversal_settled',
    ],
    [
      O.REVERSAL_SETTLED,
      payment(S.PARTIALLY_REFUNDED, { refundedCents: 100, reversalRequestedAt: pendingReversal }),
      S.REVERSED,
      'payment.reversal_settled',
    ],
    [
      O.REVERSAL_FAILED,
      payment(S.APPROVED, { reversalRequestedAt: pendingReversal }),
      S.APPROVED,
      'payment.reversal_failed',
    ],
    [
      O.REVERSAL_FAILED,
      payment(S.PARTIALLY_REFUNDED, { refundedCents: 100, reversalRequestedAt: pendingReversal }),
      S.PARTIALLY_REFUNDED,
      'payment.reversal_failed',
    ],
  ])('%s on %o → %s with %s', (outcome, p, status, event) => {
    const before = Date.now();
    expect(applyOutcome(p, outcome, QUIET)).toBe(event);
    expect(p.status).toBe(status);
    expect(p.version).toBe(5);
    expect(p.updatedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(p.reversalRequestedAt).toBeNull();
  });

  it('records why: authorization_expired, the failed reversal’s reason, or reversal_failed by default', () => {
    const expired = payment(S.APPROVED);
    applyOutcome(expired, O.AUTHORIZATION_EXPIRED, QUIET);
    expect(expired.failureCode).toBe('authorization_expired');
    const withReason = payment(S.APPROVED, { reversalRequestedAt: pendingReversal });
    applyOutcome(withReason, O.REVERSAL_FAILED, { ...QUIET, reason: 'issuer_unavailable' });
    expect(withReason.failureCode).toBe('issuer_unavailable');
    const plain = payment(S.APPROVED, { reversalRequestedAt: pendingReversal });
    applyOutcome(plain, O.REVERSAL_FAILED, QUIET);
    expect(plain.failureCode).toBe('reversal_failed');
  });

  const refused: Array<[string, O, OutcomeTarget, OutcomeFacts]> = [
    ...ALL.filter((s) => s !== S.PENDING && s !== S.APPROVED).map(
      (s) =>
        [`expiry of a ${s} payment`, O.AUTHORIZATION_EXPIRED, payment(s), QUIET] as [
          string,
          O,
          OutcomeTarget,
          OutcomeFacts,
        ],
    ),
    ['expiry after settlement', O.AUTHORIZATION_EXPIRED, payment(S.APPROVED, { settledAt: new Date() }), QUIET],
    ['expiry with a refund pending', O.AUTHORIZATION_EXPIRED, payment(S.APPROVED), { ...QUIET, pendingRefundCents: 5 }],
    ['expiry during a void', O.AUTHORIZATION_EXPIRED, payment(S.APPROVED), { ...QUIET, voidInProgress: true }],
    [
      'expiry during a reversal',
      O.AUTHORIZATION_EXPIRED,
      payment(S.APPROVED, { reversalRequestedAt: pendingReversal }),
      QUIET,
    ],
    ...ALL.flatMap(
      (s) =>
        [
          [`settled reversal of a ${s} payment never reversed`, O.REVERSAL_SETTLED, payment(s), QUIET],
          [`failed reversal of a ${s} payment never reversed`, O.REVERSAL_FAILED, payment(s), QUIET],
        ] as Array<[string, O, OutcomeTarget, OutcomeFacts]>,
    ),
    [
      'a second settled reversal',
      O.REVERSAL_SETTLED,
      payment(S.REVERSED, { reversalRequestedAt: pendingReversal }),
      QUIET,
    ],
  ];

  it.each(refused)('refuses %s with invalid_state_transition and changes nothing', (_, outcome, p, facts) => {
    const copy = { ...p };
    const error = refusal(() => applyOutcome(p, outcome, facts));
    expect(error).toMatchObject({ code: 'CONFLICT', reason: 'invalid_state_transition' });
    expect(p).toEqual(copy);
  });

  it('refuses an outcome it does not know', () => {
    const p = payment(S.APPROVED);
    expect(refusal(() => applyOutcome(p, 'CHARGEBACK' as O, QUIET))).toMatchObject({
      reason: 'invalid_state_transition',
    });
    expect(p).toEqual(payment(S.APPROVED));
  });
});
