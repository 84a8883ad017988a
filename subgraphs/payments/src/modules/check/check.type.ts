import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';

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
  @Field(() => Int)
  total?: number;

  @Directive('@external')
  @Field(() => Int, { nullable: true })
  cashTotal?: number | null;
}

@ObjectType({ description: 'The check’s figures when paid in cash, while dual pricing is in effect' })
export class DualPricing {
  @Field(() => Int, { description: 'Total check amount when paid in cash, in cents' })
  cashTotal!: number;

  @Field(() => Int, { description: 'Remaining amount due if paying with cash, in cents' })
  cashAmountDue!: number;
}
