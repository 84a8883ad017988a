import { Field, Int, ObjectType } from 'type-graphql';

/** One Level 3 line item. Amounts are integer minor units in the order's currency. */
@ObjectType({ description: 'One line of Level 3 card data: a product sold, with its unit price, tax and discount' })
export class Level3LineItem {
  @Field({ description: 'Product code (SKU), at most 12 characters' })
  productCode!: string;

  @Field({ description: 'What was sold, at most 35 characters' })
  description!: string;

  @Field(() => Int, { description: 'Whole units of unitOfMeasure' })
  quantity!: number;

  @Field({ description: 'Unit of measure, e.g. EA, at most 12 characters' })
  unitOfMeasure!: string;

  @Field(() => Int, {
    description: "Price of one unit, in minor units of the order's currency",
    deprecationReason: 'Read unitCost { amountMinor currency }.',
  })
  unitCostCents!: number;

  @Field(() => Int, {
    description: "Tax on the line, in minor units of the order's currency",
    deprecationReason: 'Read tax { amountMinor currency }.',
  })
  taxCents!: number;

  @Field(() => Int, {
    description: "Discount on the line, in minor units of the order's currency",
    deprecationReason: 'Read discount { amountMinor currency }.',
  })
  discountCents!: number;

  /** The order's currency, which the stored lines do not repeat; set when the graph reads them. */
  currency?: string;
}

/** Level 3 card data of an order: what purchasing cards need for the lowest interchange rates. */
@ObjectType({
  description: 'Level 3 card data of an order: what purchasing cards need for the lowest interchange rates',
})
export class Level3Data {
  @Field(() => String, {
    nullable: true,
    description:
      'Customer reference (PO number) sent to the processor: the order’s externalReference when it has one, else this',
  })
  customerReference!: string | null;

  @Field(() => [Level3LineItem], { description: 'The order’s lines, in the order they were given' })
  lineItems!: Level3LineItem[];
}
