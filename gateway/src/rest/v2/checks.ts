import { CARD_TYPES, CARD_TYPE_CODES, MAX_AMOUNT_CENTS, SCOPES } from '@pos/kit';
import { z } from 'zod';
import { IDEMPOTENCY, integerId, timestamp } from '../common';
import { type GqlMoney, MONEY, minorUnits, moneyAsMinorUnits } from '../money';
import { USER_ERROR_FIELDS } from '../errors';
import { type PagedConnection, defineRoute } from '../route';

/**
 * Mobile payments API v2: the checks of a location, one check, and paying a check. Field names,
 * types and bodies are its document's, camelCase, amounts in integer cents; `remainingAmount` is a string, as the document
 * types it (the cents as decimal digits, e.g. "1566").
 */

const FILTER_STATUSES = ['OPEN'] as const;

const jsonFilter = z
  .object({
    status: z.union([z.enum(FILTER_STATUSES), z.array(z.enum(FILTER_STATUSES))]).optional(),
    orderNumber: z.string().min(1).max(32).optional(),
  })
  .strict();

const checksQuery = z
  .object({
    filter: z
      .string()
      .transform((text, ctx) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object, e.g. {"orderNumber":"1101"}' });
          return z.NEVER;
        }
        const parsed = jsonFilter.safeParse(value);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path });
          return z.NEVER;
        }
        return parsed.data;
      })
      .optional()
      .describe(
        'The filter as a JSON object, e.g. {"status":["OPEN"],"orderNumber":"1101"}; or use the filter.* parameters',
      ),
    'filter.status': z
      .union([z.enum(FILTER_STATUSES), z.array(z.enum(FILTER_STATUSES))])
      .optional()
      .describe("Check statuses to include; only 'OPEN' is supported (repeat the parameter for several)"),
    'filter.orderNumber': z.string().min(1).max(32).optional().describe('Only the checks with this order number'),
  })
  .strict()
  .superRefine((query, ctx) => {
    if (query.filter !== undefined && (query['filter.status'] !== undefined || query['filter.orderNumber'])) {
      ctx.addIssue({ code: 'custom', path: ['filter'], message: 'give the filter as JSON or as filter.* parameters' });
    }
  });

const taxSchema = z.object({ name: z.string(), amount: z.number().int() });

export const checkSchema = z.object({
  posRef: z.string().describe('Unique identifier for the check within a given location'),
  orderNumber: z.string().describe('Human-readable order number displayed to staff or customers'),
  tableName: z.string().nullable().describe('Name or number of the table associated with the check'),
  guestCount: z.number().int().nullable().describe('Number of guests associated with the check'),
  status: z.enum(['OPEN', 'CLOSED']).describe('Current lifecycle status of the check'),
  openedAt: timestamp(),
  ownedByEmployeeRef: z.string(),
  ownedByEmployee: z.string(),
  subtotal: z.number().int().describe('In cents, excluding taxes, gratuity and fees'),
  dualPricing: z
    .object({ cashTotal: z.number().int(), cashAmountDue: z.number().int() })
    .nullable()
    .describe('Cash figures if Dual Pricing is in effect; null otherwise'),
  supplementalFee: z
    .object({ name: z.string(), amount: z.number().int() })
    .nullable()
    .describe('Additional fee (e.g. service fee) added to the check; null when none'),
  taxes: z.number().int().describe('Total tax amount applied to the check, in cents'),
  otherTaxes: z.number().int().describe('Additional or non-standard taxes, in cents'),
  taxList: z.array(taxSchema).describe('Itemized list of all applied taxes'),
  hiddenTaxList: z.array(taxSchema).describe('Hidden (embedded) taxes, included in the prices and not in the total'),
  gratuity: z.number().int(),
  total: z.number().int().describe('Total including all charges, in cents'),
  paymentAmountDue: z.number().int().describe('Remaining amount to be paid, in cents'),
  paymentAmountPaid: z.number().int().describe('Amount already paid, in cents'),
  isLocked: z.boolean().describe('If true, the check is locked and cannot be paid or modified'),
  items: z.array(
    z.object({
      posRef: z.string(),
      name: z.string(),
      quantity: z.number(),
      modifiersAsText: z.string().nullable(),
      price: z.number().int().describe('Total price of the item, including modifiers, in cents'),
    }),
  ),
});

// GraphQL answers in the order of the selection, so this fragment lists the seed's Check fields in the seed's order
// and its result, its Money values as minor units, is the response body as it is. The seed's paymentAmountDue and
// paymentAmountPaid are the graph's amountDue and amountPaid under their seed names (aliases).
const CHECK_FIELDS = `fragment MobileCheck on Check {
  posRef orderNumber tableName guestCount status openedAt ownedByEmployeeRef ownedByEmployee subtotal ${MONEY}
  dualPricing { cashTotal ${MONEY} cashAmountDue ${MONEY} } supplementalFee { name amount ${MONEY} }
  taxes ${MONEY} otherTaxes ${MONEY} taxList { name amount ${MONEY} } hiddenTaxList { name amount ${MONEY} }
  gratuity ${MONEY} total ${MONEY} paymentAmountDue: amountDue ${MONEY} paymentAmountPaid: amountPaid ${MONEY}
  isLocked items { posRef name quantity modifiersAsText price ${MONEY} }
}`;

const locationPath = z.object({ locationId: integerId('locationId') });
const checkPath = locationPath.extend({ posRef: z.string().min(1).max(64).describe('The check’s posRef') });
const asList = <T>(value: T | T[] | undefined) => (value === undefined ? undefined : ([] as T[]).concat(value));
const cardTypes = Object.entries(CARD_TYPES)
  .map(([code, name]) => `${code} – ${name}`)
  .join('; ');

export const mobileCheckRoutes = [
  defineRoute({
    method: 'get',
    path: '/pos/v2/{locationId}/checks',
    operationId: 'listChecks',
    summary: 'Retrieve Checks for a location',
    description: `The open checks of one of the caller's locations. The filter can be given as URI parameters
(\`filter.status=OPEN&filter.orderNumber=1101\`) or as a JSON object (\`filter={"orderNumber":"1101"}\`), not both.
A location of another partner is a 404.`,
    tags: ['Mobile payments'],
    scope: SCOPES.mobilePayments,
    params: locationPath,
    query: checksQuery,
    document: `query MobileChecks($locationId: ID!, $filter: CheckFilter, $first: Int, $after: String) {
      location(id: $locationId) {
        checks(filter: $filter, first: $first, after: $after) { nodes { ...MobileCheck } pageInfo { hasNextPage endCursor } }
      }
    } ${CHECK_FIELDS}`,
    variables: ({ params, query }) => ({
      locationId: params.locationId,
      filter: {
        status: asList(query.filter?.status ?? query['filter.status']), // absent: the graph's default, OPEN
        orderNumber: query.filter?.orderNumber ?? query['filter.orderNumber'] ?? null,
      },
      // Every matching check, however many pages that takes.
      first: Infinity,
    }),
    // A location has a few open checks; pages of 20 keep each operation's cost near what the list cost before.
    pageSize: 20,
    pages: (data) => (data.location as { checks: PagedConnection } | null)?.checks ?? null,
    respond: (data) => {
      const location = data.location as { checks: { nodes: z.infer<typeof checkSchema>[] } } | null;
      return location ? { status: 200, body: { results: moneyAsMinorUnits(location.checks.nodes), meta: {} } } : null;
    },
    notFoundMessage: 'Location not found',
    errors: [404, 503],
    response: {
      status: 200,
      description: 'A list of Checks',
      schema: z.object({ results: z.array(checkSchema), meta: z.object({}) }),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/pos/v2/{locationId}/checks/{posRef}',
    operationId: 'getCheck',
    summary: 'Retrieve a Check for a location',
    tags: ['Mobile payments'],
    scope: SCOPES.mobilePayments,
    params: checkPath,
    query: z.object({}).strict(),
    document: `query MobileCheck($locationId: ID!, $posRef: String!) {
      location(id: $locationId) { check(posRef: $posRef) { ...MobileCheck } }
    } ${CHECK_FIELDS}`,
    variables: ({ params }) => ({ locationId: params.locationId, posRef: params.posRef }),
    respond: (data) => {
      const check = (data.location as { check: z.infer<typeof checkSchema> | null } | null)?.check;
      return check ? { status: 200, body: moneyAsMinorUnits(check) } : null;
    },
    notFoundMessage: 'Check not found',
    errors: [404, 503],
    response: { status: 200, description: 'A uniquely identified Check', schema: checkSchema },
  }),
  defineRoute({
    method: 'post',
    path: '/pos/v2/{locationId}/checks/{posRef}/pay',
    operationId: 'payCheck',
    summary: 'Pay for a specific check',
    description: `Registers a sale the mobile provider ran with its processor (steps 5 and 6 of the seed's flow): the
amount (cents) counts against what the check owes, the tip is recorded apart. Refused with 400: an amount above what
is due (for a check of an order, also above what the order still owes: one bill), a locked or closed check, an expired card, a processor transaction (\`transaction.invoice\`) already
registered with other details. Registering the same transaction again with the same details answers with the first
payment. Card type codes: ${cardTypes}. Only the card's type, last four digits, expiry, holder name and the processor
tokens are stored (the tokens encrypted). ${IDEMPOTENCY}`,
    tags: ['Mobile payments'],
    scope: SCOPES.mobilePayments,
    params: checkPath,
    query: z.object({}).strict(),
    body: z
      .object({
        amount: z.number().int().min(1).max(MAX_AMOUNT_CENTS).describe('Payment amount in cents'),
        tip: z.number().int().min(0).max(MAX_AMOUNT_CENTS).optional().describe('Optional tip amount in cents'),
        universalToken: z.string().optional().describe('Optional processor universal token'),
        card: z
          .object({
            type: z.enum(CARD_TYPE_CODES).describe('Card type code'),
            last4Digits: z.string().describe('Last four digits of the card number'),
            expirationDate: z.string().describe('MMYY, e.g. 0126 for January 2026'),
            holderName: z.string().optional().describe('Cardholder name'),
            token: z.string().describe('Processor token for the card'),
          })
          .strict(),
        transaction: z
          .object({
            authorizationCode: z.string().describe('Authorization code returned by the processor'),
            invoice: z.string().describe('Invoice or transaction identifier'),
          })
          .strict(),
      })
      .strict(),
    idempotent: true,
    document: `mutation MobilePayCheck($input: PayCheckInput!) {
      payCheck(input: $input) { ${USER_ERROR_FIELDS} idempotentReplay remainingAmount ${MONEY} payment { id } }
    }`,
    variables: ({ params, body, idempotencyKey }) => ({
      input: {
        idempotencyKey,
        locationId: params.locationId,
        posRef: params.posRef,
        amountMinor: body.amount,
        tipMinor: body.tip ?? 0,
        universalToken: body.universalToken ?? null,
        card: body.card,
        transaction: body.transaction,
      },
    }),
    respond: (data) => {
      const result = data.payCheck as {
        idempotentReplay: boolean;
        remainingAmount: GqlMoney;
        payment: { id: string };
      };
      return {
        status: 200,
        replayed: result.idempotentReplay,
        body: { paymentRef: result.payment.id, remainingAmount: String(minorUnits(result.remainingAmount)) },
      };
    },
    notFoundMessage: 'Check not found',
    errors: [404, 415, 503],
    response: {
      status: 200,
      description: 'Payment successful',
      schema: z.object({
        paymentRef: z.string().describe('The payment’s identifier'),
        remainingAmount: z.string().describe('What the check still owes after this payment, in cents, as a string'),
      }),
    },
  }),
];
