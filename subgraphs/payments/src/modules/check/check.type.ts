import { Money } from '@pos/kit/currency';
import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * Check is owned by the checks subgraph; this subgraph adds its payments and what is paid and due on it, from its
 * own ledger. The figures it needs from the check (`total`, `cashTotal`) come with the reference (`@requires`).
 */
@Directive('@key(fields: "id")')
@ObjectType('Check')
export class CheckRef {
  @Field(() => ID)
  id!: string;

  @Directive('@external')
  @Field(() => Money)
  total?: Money;

  @Directive('@external')
  @Field(() => Money, { nullable: true })
  cashTotal?: Money | null;
}

@ObjectType({ description: 'The check’s figures when paid in cash, while dual pricing is in effect' })
export class DualPricing {
  @Field(() => Money, { description: 'Total check amount when paid in cash' })
  cashTotal!: Money;

  @Field(() => Money, { description: 'Remaining amount due if paying with cash' })
  cashAmountDue!: Money;
}
