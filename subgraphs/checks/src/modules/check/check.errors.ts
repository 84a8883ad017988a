import { conflict, unprocessable } from '@pos/kit';

/**
 * The refusals about the money on a check. Both keep the payments subgraph's wording, so a caller sees one
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
};
