import { Money } from '@pos/kit/currency';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

/**
 * Order is owned by the orders subgraph; this subgraph adds its payments and its payment state, from its own ledger.
 * The total that state is measured against comes with the reference (`@requires`).
 */
@Directive('@key(fields: "id")')
@ObjectType('Order')
export class OrderRef {
  @Field(() => ID)
  id!: string;

  @Directive('@external')
  @Field(() => Money)
  total?: Money;
}

/** Where an order stands with its payments; the rule is {@link orderPaymentStatus}. */
export enum OrderPaymentStatus {
  UNPAID = 'UNPAID',
  PARTIALLY_PAID = 'PARTIALLY_PAID',
  PAID = 'PAID',
  PARTIALLY_REFUNDED = 'PARTIALLY_REFUNDED',
  REFUNDED = 'REFUNDED',
}
registerEnumType(OrderPaymentStatus, {
  name: 'OrderPaymentStatus',
  description:
    'Where an order stands with its payments, from the payments ledger. Refunds take precedence: once anything ' +
    'was refunded the status is PARTIALLY_REFUNDED or REFUNDED, even if the order was paid again afterwards',
  valuesConfig: {
    UNPAID: {
      description:
        'Nothing paid and nothing refunded: amountPaid = 0 and amountRefunded = 0 (payments still waiting for the ' +
        'processor do not count as paid)',
    },
    PARTIALLY_PAID: {
      description: 'Some but not all paid, nothing refunded: 0 < amountPaid < total and amountRefunded = 0',
    },
    PAID: {
      description:
        'Paid in full, nothing refunded: amountPaid ≥ total and amountRefunded = 0 (an order whose total is 0 is PAID)',
    },
    PARTIALLY_REFUNDED: {
      description: 'Some money was returned and some is still kept: amountRefunded > 0 and amountPaid > 0',
    },
    REFUNDED: {
      description: 'Everything taken was returned: amountRefunded > 0 and amountPaid = 0',
    },
  },
});
