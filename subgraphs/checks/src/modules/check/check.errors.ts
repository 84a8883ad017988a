import { DomainError, ErrorCode, MAX_AMOUNT_CENTS, conflict, unprocessable } from '@pos/kit';

/**
 * The refusals of the check mutations; each reason is a code of the graph's `UserErrorCode` (packages/kit's
 * user-errors table), so the mutations answer them as user errors. The refusals about the money on a check. Both keep the payments subgraph's wording, so a caller sees one
 * vocabulary whichever service decided.
 */
export const checkErrors = {
  /** An edit would take the total below what payments hold on the check (recorded or about to be). */
  totalBelowPaid: (total: number, held: number) =>
    conflict('check_total_below_paid', 'The check’s total cannot go below what is paid or being paid on it', [
      `total: would be ${total}; paid or being paid: ${held}`,
    ]),
  /** Closing would hide an overpayment: more is held on the check than its total. */
  closeOverpaid: (total: number, held: number) =>
    conflict('check_total_below_paid', 'The check holds more payments than its total; correct it before closing it', [
      `total: ${total}; paid or being paid: ${held}`,
    ]),
  /** A payment of more than the check has left once what payments hold on it is counted. */
  amountExceedsDue: (due: number) =>
    unprocessable('amount_exceeds_due', `The amount is more than the check still owes (${due})`, [
      `amount due: ${due}`,
    ]),
  /** Any change of a check being paid: its lock keeps the total still while the payment is taken. */
  locked: () => conflict('check_locked', 'The check is locked (being paid) and cannot be changed; unlock it first'),
  closed: () => conflict('check_closed', 'The check is closed and cannot be changed'),
  duplicatePosRef: (posRef: string, locationId: number) =>
    conflict('duplicate_pos_ref', 'A check with this posRef already exists at the location', [
      `posRef: "${posRef}" is taken at location ${locationId}`,
    ]),
  full: (maxItems: number) =>
    new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `The check is full: a check holds at most ${maxItems} items`,
      [],
      'check_full',
    ),
  totalTooLarge: (total: number) =>
    new DomainError(
      ErrorCode.BAD_USER_INPUT,
      'The check total would be too large',
      [`total: would be ${total}; must be at most ${MAX_AMOUNT_CENTS}`],
      'check_total_too_large',
    ),
  // Not found within a check the caller may change: a user error (the check itself is found), unlike a check of
  // another tenant, which stays a top-level NOT_FOUND.
  itemNotFound: () =>
    new DomainError(ErrorCode.NOT_FOUND, 'The check has no item with this id', [], 'check_item_not_found'),
  taxNotFound: (name: string) =>
    new DomainError(ErrorCode.NOT_FOUND, `The check has no tax named "${name}"`, [], 'check_tax_not_found'),
};
