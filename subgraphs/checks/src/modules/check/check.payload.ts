import { UserError, type UserErrorsPayload } from '@pos/kit';
import { Field, ObjectType } from 'type-graphql';
import { Check } from './check.entity';

/**
 * The payload of one check mutation (`openCheck` → `OpenCheckPayload`): the check as the mutation left it, or the
 * user errors that refused it. One type per mutation, as the contract asks, so each can grow on its own.
 */
function checkPayload(mutation: string, outcome: string) {
  const name = `${mutation[0].toUpperCase()}${mutation.slice(1)}Payload`;
  @ObjectType(name, { description: `The result of ${mutation}: the check, or the user errors that refused it` })
  class CheckPayload implements UserErrorsPayload {
    @Field(() => [UserError], { description: 'Why the input was refused; empty when the change was made' })
    userErrors!: UserError[];

    @Field(() => Check, { nullable: true, description: `The check ${outcome}; null when the input was refused` })
    check?: Check | null;
  }
  return CheckPayload;
}

export const OpenCheckPayload = checkPayload('openCheck', 'opened');
export const RemoveCheckItemPayload = checkPayload('removeCheckItem', 'without the item');
export const ApplyCheckTaxPayload = checkPayload('applyCheckTax', 'with the tax applied');
export const RemoveCheckTaxPayload = checkPayload('removeCheckTax', 'without the tax');
export const SetSupplementalFeePayload = checkPayload('setSupplementalFee', 'with its new supplemental fee');
export const SetGratuityPayload = checkPayload('setGratuity', 'with its new gratuity');
export const LockCheckPayload = checkPayload('lockCheck', 'locked');
export const UnlockCheckPayload = checkPayload('unlockCheck', 'unlocked');
export const CloseCheckPayload = checkPayload('closeCheck', 'closed');

@ObjectType({ description: 'The result of addCheckItem: the check, or the user errors that refused the item' })
export class AddCheckItemPayload implements UserErrorsPayload {
  @Field(() => [UserError], { description: 'Why the input was refused; empty when the item was added' })
  userErrors!: UserError[];

  @Field(() => Check, {
    nullable: true,
    description: 'The check with the item added (on a replay, as the first request left it); null when refused',
  })
  check?: Check | null;

  @Field({ description: 'True when this is the stored result of an earlier request with the same idempotency key' })
  idempotentReplay!: boolean;
}
