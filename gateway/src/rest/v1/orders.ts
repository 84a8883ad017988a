import { SCOPES } from '@pos/kit';
import { z } from 'zod';
import { USER_ERROR_FIELDS } from '../errors';
import { type LinkContext, defineRoute } from '../route';
import { IDEMPOTENCY, cents, noQuery, nullableText, timestamp, uuidId } from '../common';
import { type GqlMoney, MONEY, minorUnits } from '../money';

const lineItemIn = z
  .object({
    product_code: z.string().describe('Product code (SKU), 1–12 characters'),
    description: z.string().describe('1–35 characters'),
    quantity: z.number().int().describe('Whole units, 1–1,000,000'),
    unit_of_measure: z.string().describe('e.g. EA; 1–12 characters'),
    unit_cost_cents: cents('Price of one unit'),
    tax_cents: cents('Tax on the line; default 0').optional(),
    discount_cents: cents('Discount on the line; default 0').optional(),
  })
  .strict();

const createOrderBody = z
  .object({
    location_id: z.number().int().describe('One of the caller’s locations'),
    currency: z.string().describe('ISO 4217 code, e.g. USD'),
    total_cents: cents('Order total'),
    external_reference: nullableText(
      'PO or invoice number, at most 25 characters; forwarded to Valor as Level 3 customer_reference',
    ),
    external_source: nullableText('The partner system the order comes from (given with external_id); ≤ 64 chars'),
    external_id: nullableText('The order’s id in external_source, unique per partner and source; ≤ 128 chars'),
    level3: z
      .object({
        customer_reference: nullableText('At most 25 characters; external_reference takes precedence when sent'),
        line_items: z
          .array(lineItemIn)
          .describe('1–200 lines; quantity × unit_cost_cents − discount_cents + tax_cents must add up to total_cents'),
      })
      .strict()
      .nullable()
      .optional(),
    return_url: nullableText(
      'Opens a hosted checkout: where its page sends the customer after paying (`order_id` and `payment_id` are ' +
        'added to its query). Absolute https URL (http only for localhost, 127.0.0.1 or [::1] outside production), ' +
        'at most 2048 characters, no user name or password',
    ),
    cancel_url: nullableText(
      'Where the hosted checkout sends a customer who cancels (`order_id` added); only with return_url. Same rules; ' +
        'without it the page has no Cancel button',
    ),
  })
  .strict();

const lineItemOut = z.object({
  product_code: z.string(),
  description: z.string(),
  quantity: z.number().int(),
  unit_of_measure: z.string(),
  unit_cost_cents: z.number().int(),
  tax_cents: z.number().int(),
  discount_cents: z.number().int(),
});

export const orderSchema = z.object({
  id: z.string().describe('Order id (UUID)'),
  number: z.string().describe('Order number shown to staff and guests'),
  location_id: z.number().int(),
  status: z.enum(['open', 'paid', 'closed', 'cancelled']),
  currency: z.string(),
  total_cents: z.number().int().describe('Minor units (cents)'),
  payment_status: z
    .enum(['unpaid', 'partially_paid', 'paid', 'partially_refunded', 'refunded'])
    .describe(
      'Where the order stands with its payments. Refunds take precedence: `refunded` when something was refunded ' +
        'and nothing is kept (amount_paid_cents = 0), `partially_refunded` when something was refunded and something ' +
        'is kept; otherwise `paid` when amount_paid_cents ≥ total_cents (an order of 0 is paid), `partially_paid` ' +
        'when 0 < amount_paid_cents < total_cents, `unpaid` when nothing was paid',
    ),
  amount_paid_cents: z
    .number()
    .int()
    .describe(
      'Taken and kept, in minor units: approved payments less what was refunded of them (payments still waiting for ' +
        'the processor are not included)',
    ),
  amount_due_cents: z
    .number()
    .int()
    .describe(
      'What a new payment may still take, in minor units: total_cents less amount_paid_cents and less payments still ' +
        'waiting for the processor; never below 0. A refund makes its amount due again',
    ),
  external_reference: z.string().nullable(),
  external_source: z.string().nullable(),
  external_id: z.string().nullable(),
  level3: z.object({ customer_reference: z.string().nullable(), line_items: z.array(lineItemOut) }).nullable(),
  return_url: z.string().nullable(),
  cancel_url: z.string().nullable(),
  hosted_checkout_url: z
    .string()
    .nullable()
    .describe(
      'The public payment page of the order (no authentication: the signed token in it is the credential), while it ' +
        'can be used: null without return_url, when there was nothing to pay, once paid through it, and after it expired',
    ),
  hosted_checkout_expires_at: timestamp()
    .nullable()
    .describe('When the hosted checkout link stops working: 30 minutes after the order was created'),
  opened_by_m2m_client_id: z.string().nullable().describe('The M2M client that opened the order; null for POS users'),
  opened_by_user_id: z.string().nullable().describe('The POS user who opened the order; null for M2M clients'),
  version: z.number().int(),
  created_at: timestamp(),
  updated_at: timestamp(),
});

const ORDER_FIELDS = `fragment RestOrder on Order {
  id number status currency total ${MONEY} externalReference externalSource externalId openedByM2mClientId openedByUserId
  paymentStatus amountPaid ${MONEY} amountDue ${MONEY}
  returnUrl cancelUrl hostedCheckout { id status expiresAt }
  version createdAt updatedAt location { id }
  level3 { customerReference lineItems { productCode description quantity unitOfMeasure unitCost ${MONEY} tax ${MONEY} discount ${MONEY} } }
}`;

interface GqlLineItem {
  productCode: string;
  description: string;
  quantity: number;
  unitOfMeasure: string;
  unitCost: GqlMoney;
  tax: GqlMoney;
  discount: GqlMoney;
}
interface GqlOrder {
  id: string;
  number: string;
  status: string;
  currency: string;
  total: GqlMoney;
  paymentStatus: string;
  amountPaid: GqlMoney;
  amountDue: GqlMoney;
  externalReference: string | null;
  externalSource: string | null;
  externalId: string | null;
  openedByM2mClientId: string | null;
  openedByUserId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  location: { id: string };
  level3: { customerReference: string | null; lineItems: GqlLineItem[] } | null;
  returnUrl: string | null;
  cancelUrl: string | null;
  hostedCheckout: { id: string; status: string; expiresAt: string } | null;
}

export const toRestOrder = (o: GqlOrder): z.infer<typeof orderSchema> => ({
  id: o.id,
  number: o.number,
  location_id: Number(o.location.id),
  status: o.status.toLowerCase() as z.infer<typeof orderSchema>['status'],
  currency: o.currency,
  total_cents: minorUnits(o.total),
  payment_status: o.paymentStatus.toLowerCase() as z.infer<typeof orderSchema>['payment_status'],
  amount_paid_cents: minorUnits(o.amountPaid),
  amount_due_cents: minorUnits(o.amountDue),
  external_reference: o.externalReference,
  external_source: o.externalSource,
  external_id: o.externalId,
  level3: o.level3 && {
    customer_reference: o.level3.customerReference,
    line_items: o.level3.lineItems.map((l) => ({
      product_code: l.productCode,
      description: l.description,
      quantity: l.quantity,
      unit_of_measure: l.unitOfMeasure,
      unit_cost_cents: minorUnits(l.unitCost),
      tax_cents: minorUnits(l.tax),
      discount_cents: minorUnits(l.discount),
    })),
  },
  return_url: o.returnUrl,
  cancel_url: o.cancelUrl,
  // The link itself is signed by the gateway: addLinks (withCheckoutLink) fills it in.
  hosted_checkout_url: null,
  hosted_checkout_expires_at: o.hostedCheckout?.expiresAt ?? null,
  opened_by_m2m_client_id: o.openedByM2mClientId,
  opened_by_user_id: o.openedByUserId,
  version: o.version,
  created_at: o.createdAt,
  updated_at: o.updatedAt,
});

/** Adds the signed link of the order's open hosted checkout, which only the gateway can mint, to a mapped order. */
const withCheckoutLink =
  (orderOf: (data: Record<string, unknown>) => GqlOrder) =>
  async (body: unknown, data: Record<string, unknown>, { principal, links }: LinkContext) => {
    const link = await links.hostedCheckout(principal.tenantId, orderOf(data));
    return { ...(body as z.infer<typeof orderSchema>), hosted_checkout_url: link?.url ?? null };
  };

export const orderRoutes = [
  defineRoute({
    method: 'post',
    path: '/pos/v1/orders',
    operationId: 'createOrder',
    summary: 'Create an order',
    description: `Accepts POS user tokens (at the locations of their roles) and M2M client_credentials tokens
(\`opened_by_m2m_client_id\` records the client). With \`return_url\` (and \`cancel_url\`) and a total above zero, the
order gets a hosted checkout: \`hosted_checkout_url\` is a public page (\`GET /pos/v1/public/hosted-checkout?token=…\`,
HTML, no authentication) where the customer pays the order's total by card, valid 30 minutes and once; it sends the
customer to \`return_url\` after an approved payment (\`payment.approved\`), or to \`cancel_url\`. ${IDEMPOTENCY}`,
    tags: ['Orders'],
    scope: SCOPES.posOrders,
    params: z.object({}),
    query: noQuery,
    body: createOrderBody,
    idempotent: true,
    document: `mutation RestCreateOrder($input: CreateOrderInput!) {
      createOrder(input: $input) { ${USER_ERROR_FIELDS} idempotentReplay order { ...RestOrder } }
    } ${ORDER_FIELDS}`,
    variables: ({ body, idempotencyKey }) => ({
      input: {
        idempotencyKey,
        locationId: String(body.location_id),
        currency: body.currency,
        totalMinor: body.total_cents,
        externalReference: body.external_reference,
        externalSource: body.external_source,
        externalId: body.external_id,
        returnUrl: body.return_url,
        cancelUrl: body.cancel_url,
        level3: body.level3 && {
          customerReference: body.level3.customer_reference,
          lineItems: body.level3.line_items.map((l) => ({
            productCode: l.product_code,
            description: l.description,
            quantity: l.quantity,
            unitOfMeasure: l.unit_of_measure,
            unitCostMinor: l.unit_cost_cents,
            taxMinor: l.tax_cents,
            discountMinor: l.discount_cents,
          })),
        },
      },
    }),
    respond: (data) => {
      const result = data.createOrder as { idempotentReplay: boolean; order: GqlOrder };
      return { status: 201, body: toRestOrder(result.order), replayed: result.idempotentReplay };
    },
    addLinks: withCheckoutLink((data) => (data.createOrder as { order: GqlOrder }).order),
    errors: [404, 409, 415, 422],
    response: { status: 201, description: 'The order', schema: orderSchema },
  }),
  defineRoute({
    method: 'get',
    path: '/pos/v1/orders/{id}',
    operationId: 'getOrder',
    summary: 'Get an order',
    tags: ['Orders'],
    scope: SCOPES.posRead,
    params: z.object({ id: uuidId('id') }),
    query: noQuery,
    document: `query RestGetOrder($id: ID!) { order(id: $id) { ...RestOrder } } ${ORDER_FIELDS}`,
    variables: ({ params }) => ({ id: params.id }),
    respond: (data) => (data.order ? { status: 200, body: toRestOrder(data.order as GqlOrder) } : null),
    addLinks: withCheckoutLink((data) => data.order as GqlOrder),
    notFoundMessage: 'Order not found',
    response: { status: 200, description: 'The order', schema: orderSchema },
  }),
];
