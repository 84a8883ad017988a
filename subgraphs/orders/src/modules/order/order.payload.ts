import { Field, ObjectType } from 'type-graphql';
import { Order } from './order.entity';

@ObjectType({ description: 'The result of createOrder' })
export class CreateOrderPayload {
  @Field(() => Order)
  order!: Order;

  @Field({ description: 'True when this is the stored result of an earlier request with the same idempotency key' })
  idempotentReplay!: boolean;
}
