import { CreatedAtRange, IDEMPOTENCY_KEY_ARG } from '@pos/kit';
import { Field, ID, InputType, Int } from 'type-graphql';
import { OrderStatus } from './order.entity';

@InputType({ description: 'One line of Level 3 card data' })
export class Level3LineItemInput {
  @Field({ description: 'Product code (SKU), at most 12 characters' })
  productCode!: string;

  @Field({ description: 'What was sold, at most 35 characters' })
  description!: string;

  @Field(() => Int, { description: 'Whole units of unitOfMeasure, at least 1' })
  quantity!: number;

  @Field({ description: 'Unit of measure, e.g. EA, at most 12 characters' })
  unitOfMeasure!: string;

  @Field(() => Int, { description: 'Price of one unit, in minor units of the order’s currency' })
  unitCostMinor!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Tax on the line, in minor units of the order’s currency; default 0',
  })
  taxMinor?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Discount on the line, in minor units of the order’s currency; default 0',
  })
  discountMinor?: number | null;
}

@InputType({
  description: 'Level 3 card data for purchasing cards: sent to the processor with the order’s card payments',
})
export class Level3Input {
  @Field(() => String, { nullable: true, description: 'At most 25 characters' })
  customerReference?: string | null;

  @Field(() => [Level3LineItemInput], {
    description: '1 to 200 lines whose totals (quantity × unit cost − discount + tax) add up to totalMinor',
  })
  lineItems!: Level3LineItemInput[];
}

@InputType({ description: 'An order to open at one of the caller’s locations' })
export class CreateOrderInput {
  @Field(() => ID, {
    description: 'The location (`Location.id`) the order is placed at; one the caller may not act at is NOT_FOUND',
  })
  locationId!: string;

  @Field({ description: 'ISO 4217 currency code, e.g. USD' })
  currency!: string;

  @Field(() => Int, { description: 'Order total in minor units of `currency` (cents for USD, yen for JPY)' })
  totalMinor!: number;

  @Field(() => String, {
    nullable: true,
    description: 'PO or invoice number (at most 25 characters), forwarded as Level 3 customer_reference',
  })
  externalReference?: string | null;

  @Field(() => String, { nullable: true, description: 'The system the order comes from; given with externalId' })
  externalSource?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The order’s id in externalSource; unique per partner and source',
  })
  externalId?: string | null;

  @Field(() => Level3Input, {
    nullable: true,
    description: 'Level 3 card data for purchasing cards (lower processing fees); omit for ordinary orders',
  })
  level3?: Level3Input | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Opens a hosted checkout for the order: where its page sends the customer after paying. Absolute https URL ' +
      '(http only for localhost outside production), at most 2048 characters, no user name or password',
  })
  returnUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Where the hosted checkout sends a customer who cancels; only with returnUrl. Same rules',
  })
  cancelUrl?: string | null;

  @Field(() => String, IDEMPOTENCY_KEY_ARG)
  idempotencyKey?: string | null;
}

@InputType({ description: 'Which of a location’s orders to list; every one when absent' })
export class OrderListFilter extends CreatedAtRange {
  @Field(() => [OrderStatus], { nullable: true, description: 'Only orders in one of these states' })
  status?: OrderStatus[] | null;
}

@InputType({ description: 'Which of the caller’s orders to list; every one when absent' })
export class OrderFilter extends OrderListFilter {
  @Field(() => [ID], { nullable: true, description: 'Only orders placed at one of these locations' })
  locationIds?: string[] | null;
}
