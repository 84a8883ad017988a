import { UserError, type UserErrorsPayload } from '@pos/kit';
import { Field, ObjectType } from 'type-graphql';
import { Order } from './order.entity';

@ObjectType({ description: 'The result of createOrder: the order, or the user errors that refused it' })
export class CreateOrderPayload implements UserErrorsPayload {
  @Field(() => [UserError], {
    description: 'Why the input was refused (VALIDATION, IDEMPOTENCY_KEY_REUSED, ...); empty when the order is open',
  })
  userErrors!: UserError[];

  @Field(() => Order, { nullable: true, description: 'The order opened (or, on a replay, opened the first time)' })
  order?: Order | null;

  @Field({ description: 'True when this is the stored result of an earlier request with the same idempotency key' })
  idempotentReplay!: boolean;
}
