import { PAYMENT_EVENTS, type PaymentEventTypeName, paymentEventTypeName } from '@pos/kit';
import { registerEnumType } from 'type-graphql';

/**
 * The payment event types as a GraphQL enum. Values equal names (a federated schema is rebuilt from SDL, which
 * keeps no internal values); the resolvers convert to and from the dotted outbox spelling with the kit's
 * `paymentEventTypeName`/`paymentEventTypeOf`, the one place the two spellings meet.
 */
export const PaymentEventType = Object.fromEntries(
  Object.keys(PAYMENT_EVENTS).map((type) => [paymentEventTypeName(type), paymentEventTypeName(type)]),
) as { [Name in PaymentEventTypeName]: Name };

registerEnumType(PaymentEventType, {
  name: 'PaymentEventType',
  description:
    'What happened to a payment. Webhook bodies and the REST API spell the same types in lower case with a dot ' +
    '(PAYMENT_APPROVED is payment.approved). Declines are not events: the caller that asked for the payment gets ' +
    'the decline as its answer.',
  valuesConfig: Object.fromEntries(
    Object.entries(PAYMENT_EVENTS).map(([type, description]) => [
      paymentEventTypeName(type),
      { description: `${description} (webhooks: ${type})` },
    ]),
  ),
});

/**
 * The processors a payment can have gone through. Stored and sent in webhook bodies in lower case (`valor`,
 * `external`); the graph shows the enum.
 */
export enum PaymentProcessor {
  VALOR = 'VALOR',
  EXTERNAL = 'EXTERNAL',
}

registerEnumType(PaymentProcessor, {
  name: 'PaymentProcessor',
  description: 'The card processor that handled a payment (webhook bodies and REST spell it in lower case)',
  valuesConfig: {
    VALOR: { description: 'Valor, the processor payments are authorised with here (its sandbox in development)' },
    EXTERNAL: {
      description:
        'A sale a mobile payments provider ran on its own processor and registered on a check; we do not know that processor by name',
    },
  },
});

export const paymentProcessorOf = (stored: string): PaymentProcessor => stored.toUpperCase() as PaymentProcessor;
