import { DomainError } from '@pos/kit';
import { PaymentStatus as S } from '../src/modules/payment/payment.entity';
import {
  EVENT_OF_STATUS,
  HOLDS_FUNDS,
  PAYMENT_TRANSITIONS,
  assertCanTransition,
  canTransition,
  transition,
} from '../src/modules/payment/payment.state';

const ALL = Object.values(S);

/** The allowed moves, written out once more by hand so that a change to the table has to be made twice. */
const ALLOWED: Array<[S, S]> = [
  [S.PENDING, S.APPROVED],
  [S.PENDING, S.DECLINED],
  [S.PENDING, S.CANCELLED],
  [S.PENDING, S.EXPIRED],
  [S.APPROVED, S.VOIDED],
  [S.APPROVED, S.PARTIALLY_REFUNDED],
  [S.APPROVED, S.REFUNDED],
  [S.APPROVED, S.EXPIRED],
  [S.APPROVED, S.REVERSED],
  [S.PARTIALLY_REFUNDED, S.PARTIALLY_REFUNDED],
  [S.PARTIALLY_REFUNDED, S.REFUNDED],
  [S.PARTIALLY_REFUNDED, S.REVERSED],
];

const payment = (status: S) => ({ status, version: 4, updatedAt: new Date(0) });

describe('payment state machine', () => {
  it('allows exactly the listed moves', () => {
    const table = ALL.flatMap((from) => PAYMENT_TRANSITIONS[from].map((to) => [from, to]));
    expect(table.sort()).toEqual([...ALLOWED].sort());
    expect(Object.keys(PAYMENT_TRANSITIONS).sort()).toEqual([...ALL].sort());
  });

  it.each(ALLOWED)('moves %s → %s, bumps the version and stamps the change', (from, to) => {
    const p = payment(from);
    const before = Date.now();
    const event = transition(p, to);
    expect(p.status).toBe(to);
    expect(p.version).toBe(5);
    expect(p.updatedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(event).toBe(EVENT_OF_STATUS[to] ?? null);
    expect(() => assertCanTransition(from, to)).not.toThrow();
  });

  it.each([
    [S.PENDING, S.VOIDED],
    [S.PENDING, S.REFUNDED],
    [S.PENDING, S.PARTIALLY_REFUNDED],
    [S.PENDING, S.PENDING],
    [S.APPROVED, S.APPROVED],
    [S.APPROVED, S.DECLINED],
    [S.APPROVED, S.CANCELLED],
    [S.APPROVED, S.PENDING],
    [S.PARTIALLY_REFUNDED, S.VOIDED],
    [S.PARTIALLY_REFUNDED, S.APPROVED],
    [S.REFUNDED, S.PARTIALLY_REFUNDED],
    [S.VOIDED, S.APPROVED],
    [S.DECLINED, S.APPROVED],
    [S.CANCELLED, S.APPROVED],
    [S.REVERSED, S.REFUNDED],
  ])('refuses %s → %s with CONFLICT invalid_state_transition and changes nothing', (from, to) => {
    const p = payment(from);
    let caught: unknown;
    try {
      transition(p, to);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({ code: 'CONFLICT', reason: 'invalid_state_transition' });
    expect(p).toEqual(payment(from));
    expect(canTransition(from, to)).toBe(false);
  });

  it('names both states in words in the refusal', () => {
    expect(() => assertCanTransition(S.PARTIALLY_REFUNDED, S.VOIDED)).toThrow(
      'A partially refunded payment cannot become voided',
    );
  });

  it.each([S.DECLINED, S.VOIDED, S.REFUNDED, S.CANCELLED, S.EXPIRED, S.REVERSED])(
    'keeps the final state %s final',
    (from) => {
      expect(PAYMENT_TRANSITIONS[from]).toEqual([]);
      for (const to of ALL) expect(canTransition(from, to)).toBe(false);
    },
  );

  it('emits one outbox event type per status a subscriber cares about; declines and pending emit none', () => {
    expect(EVENT_OF_STATUS).toEqual({
      [S.APPROVED]: 'payment.approved',
      [S.VOIDED]: 'payment.voided',
      [S.PARTIALLY_REFUNDED]: 'payment.refunded',
      [S.REFUNDED]: 'payment.refunded',
      [S.CANCELLED]: 'payment.cancelled',
      [S.EXPIRED]: 'payment.expired',
      [S.REVERSED]: 'payment.reversal_settled',
    });
    expect(transition(payment(S.PENDING), S.DECLINED)).toBeNull();
  });

  it('counts pending, approved and partly refunded payments against what an order owes', () => {
    expect([...HOLDS_FUNDS].sort()).toEqual([S.APPROVED, S.PARTIALLY_REFUNDED, S.PENDING].sort());
  });
});
