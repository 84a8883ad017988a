import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { CARD_TYPES, type CardTypeCode } from '@pos/kit';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

/** The card type codes of the mobile payments API; values equal names (a federated schema is rebuilt from SDL). */
export const CardType = Object.fromEntries(Object.keys(CARD_TYPES).map((code) => [code, code])) as {
  [Code in CardTypeCode]: Code;
};
registerEnumType(CardType, {
  name: 'CardType',
  description: 'Card type code (mobile payments API)',
  valuesConfig: Object.fromEntries(Object.entries(CARD_TYPES).map(([code, name]) => [code, { description: name }])),
});

/**
 * The card of a payment registered by a mobile provider: exactly what the mobile payments API sends, never more
 * (no card number, no CVV). The processor tokens are sealed with the payments card key (KEY_ENCRYPTION_KEY) and
 * never leave this subgraph: GraphQL shows type, last four, expiry and holder name only.
 */
@ObjectType('PaymentCard', {
  description:
    'The card of a payment a mobile provider registered on a check: type, last four, expiry and holder name only ' +
    '(never the number or a token)',
})
@Entity({ tableName: 'payment_card' })
export class PaymentCard {
  /** The payment's id: one card per payment. */
  @PrimaryKey({ type: 'uuid' })
  paymentId!: string;

  @Field(() => CardType, { description: 'The card’s type (brand), as the mobile payments API codes it' })
  @Property({ type: 'string', length: 2 })
  type!: CardTypeCode;

  @Field({ description: 'Last four digits of the card number' })
  @Property({ type: 'string', length: 4, fieldName: 'last4_digits' })
  last4Digits!: string;

  @Field({ description: 'MMYY' })
  @Property({ type: 'string', length: 4 })
  expirationDate!: string;

  @Field(() => String, { nullable: true, description: 'The name on the card, when the provider sent it' })
  @Property({ length: 64, nullable: true })
  holderName: string | null = null;

  /** The processor's token for the card, sealed. */
  @Property({ type: 'text' })
  tokenSealed!: string;

  /** The processor's universal token, when the provider sent one, sealed. */
  @Property({ type: 'text', nullable: true })
  universalTokenSealed: string | null = null;
}
