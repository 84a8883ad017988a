import { HOSTED_CHECKOUT_PATH } from '@pos/gateway/src/hosted-checkout';
import { LAUNCH_EXCHANGE_PATH, LAUNCH_TOKENS_PATH } from '@pos/gateway/src/rest/v1/launch';
import type { Fixtures } from './support';

// ---------------------------------------------------------------------------------------------------------------
// A valid request per endpoint (shared by both suites): the starting point of bad input's near-valid cases, the
// request tenancy replays with other credentials, and a control that the fixtures reach the route's rules.

export interface Valid {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** For the hosted checkout's form posts: fields as a browser posts them. */
  form?: Record<string, string>;
  /** What the valid request itself may answer (default: any 2xx). */
  ok?: number[];
}

export interface CheckoutPage {
  nonce: string;
  csrf: string;
}

/**
 * One valid request for each endpoint, keyed `METHOD /path`. The first test fails when an endpoint has none, so a
 * new route needs one line here: what a correct request to it looks like.
 */
export const VALID: Record<string, (fx: Fixtures, page: CheckoutPage) => Valid> = {
  'GET /pos/v1/locations': () => ({}),
  'GET /pos/v1/locations/{id}': () => ({ params: { id: '1' } }),
  'POST /pos/v1/orders': () => ({
    body: {
      location_id: 1,
      currency: 'USD',
      total_cents: 1000,
      external_reference: 'PO-77',
      external_source: 'erp',
      external_id: 'fuzz-ext-1',
      level3: {
        customer_reference: 'CUST-1',
        line_items: [
          {
            product_code: 'SKU-1',
            description: 'Coffee beans',
            quantity: 2,
            unit_of_measure: 'EA',
            unit_cost_cents: 500,
            tax_cents: 0,
            discount_cents: 0,
          },
        ],
      },
      return_url: 'http://localhost/done',
      cancel_url: 'http://localhost/cancel',
    },
  }),
  'GET /pos/v1/orders/{id}': (fx) => ({ params: { id: fx.order.id } }),
  'POST /pos/v1/orders/{id}/payments': (fx) => ({
    params: { id: fx.order.id },
    body: { amount_cents: 100, currency: 'USD', entry_mode: 'card_not_present', card_token: 'tok_visa' },
  }),
  'POST /pos/v1/orders/{id}/payments/{paymentId}/void': (fx) => ({
    params: { id: fx.voidable.orderId, paymentId: fx.voidable.paymentId },
  }),
  'POST /pos/v1/orders/{id}/payments/{paymentId}/refunds': (fx) => ({
    params: { id: fx.paid.orderId, paymentId: fx.paid.paymentId },
    body: { amount_cents: 1, reason: 'customer asked' },
  }),
  'POST /pos/v1/webhook-endpoints': () => ({
    body: { url: 'http://127.0.0.1:9/fuzz', event_types: ['payment.approved'], description: 'fuzz', enabled: false },
  }),
  'GET /pos/v1/webhook-endpoints': () => ({}),
  'GET /pos/v1/webhook-endpoints/{id}': (fx) => ({ params: { id: fx.webhook.endpointId } }),
  'POST /pos/v1/webhook-endpoints/{id}': (fx) => ({
    params: { id: fx.webhook.endpointId },
    body: { url: 'http://127.0.0.1:9/changed', event_types: [], description: 'changed', enabled: true },
  }),
  'POST /pos/v1/webhook-endpoints/{id}/rotate-secret': (fx) => ({
    params: { id: fx.webhook.endpointId },
    body: { overlap_seconds: 60 },
  }),
  'GET /pos/v1/webhook-endpoints/{id}/deliveries': (fx) => ({
    params: { id: fx.webhook.endpointId },
    query: { status: 'pending', limit: '10' },
  }),
  // Not dead (the worker is off), so 409 delivery_not_dead: the request reaches the rule it is meant to.
  'POST /pos/v1/webhook-deliveries/{id}/replay': (fx) => ({ params: { id: fx.webhook.deliveryId }, ok: [409] }),
  'GET /pos/v2/{locationId}/checks': () => ({
    params: { locationId: '1' },
    query: { 'filter.status': 'OPEN', 'filter.orderNumber': '1101' },
  }),
  'GET /pos/v2/{locationId}/checks/{posRef}': (fx) => ({ params: { locationId: '1', posRef: fx.check.posRef } }),
  'POST /pos/v2/{locationId}/checks/{posRef}/pay': (fx) => ({
    params: { locationId: '1', posRef: fx.check.posRef },
    body: {
      amount: 100,
      tip: 10,
      universalToken: 'ut-1',
      card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', holderName: 'Ada Lovelace', token: 'tok_visa' },
      transaction: { authorizationCode: 'A1B2C3', invoice: 'INV-FUZZ-1' },
    },
  }),
  'POST /webhook/pos': () => ({
    body: {
      customer_code: 482193,
      amount: 12.5,
      card_type: 'point',
      external_id: 'fuzz-earn-1',
      verification_pin: null,
      manual_code: false,
    },
  }),
  'POST /webhook/redeem': () => ({
    body: { customer_code: '482193', value: 1, card_type: 'point', external_id: 'fuzz-redeem-1', manual_code: false },
  }),
  'POST /webhook/coupons/redeem': (fx) => ({ body: { token: fx.loyalty.couponToken, manual_code: false } }),
  [`POST ${LAUNCH_TOKENS_PATH}`]: () => ({
    body: { location_id: 1, email: 'Fuzz@Demo.Example', name: 'Fuzz', role_slug: 'location_cashier' },
  }),
  [`POST ${LAUNCH_EXCHANGE_PATH}`]: (fx) => ({ body: { token: fx.launchToken, location_id: 1 } }),
  // Partner credentials: a person's (API clients, the audit trail) and a loyalty administrator's (POS keys).
  'GET /pos/v1/api-clients': () => ({}),
  'POST /pos/v1/api-clients': () => ({ body: { name: 'Fuzz client', scopes: ['tilt/pos:read'] } }),
  'POST /pos/v1/api-clients/{client_id}': (fx) => ({
    params: { client_id: fx.credentials.apiClientId },
    body: { name: 'Demo secret integration' },
  }),
  'POST /pos/v1/api-clients/{client_id}/rotate-secret': (fx) => ({
    params: { client_id: fx.credentials.apiClientId },
    body: { overlap_seconds: 3600 },
  }),
  'GET /pos/v1/audit-events': () => ({ query: { limit: '10' } }),
  'GET /pos/v1/loyalty-programs/{program_id}/pos-keys': (fx) => ({
    params: { program_id: fx.credentials.programId },
  }),
  'POST /pos/v1/loyalty-programs/{program_id}/pos-keys': (fx) => ({
    params: { program_id: fx.credentials.programId },
    body: { label: 'Fuzz till' },
  }),
  'POST /pos/v1/loyalty-programs/{program_id}/pos-keys/{key_id}/revoke': (fx) => ({
    params: { program_id: fx.credentials.programId, key_id: fx.credentials.posKeyId },
  }),
  [`GET ${HOSTED_CHECKOUT_PATH}`]: (fx) => ({ query: { token: fx.checkout.token } }),
  // Paid: 303 to return_url. Cancel runs after it: its link is then used up (410 page).
  [`POST ${HOSTED_CHECKOUT_PATH}/pay`]: (fx, page) => ({
    form: { token: fx.checkout.token, ...page, card_token: 'tok_visa', cardholder_name: 'Ada Lovelace' },
    ok: [303],
  }),
  [`POST ${HOSTED_CHECKOUT_PATH}/cancel`]: (fx, page) => ({
    form: { token: fx.checkout.token, ...page },
    ok: [303, 410],
  }),
};

/**
 * Valid arguments naming demo's resources, for each root field of the API schema (Query, Mutation, Subscription),
 * keyed by field name: what tenancy replays with other credentials and bad input starts its near misses from. Both
 * suites fail when a root field has none.
 */
export const VALID_ARGS: Record<string, (fx: Fixtures) => Record<string, unknown>> = {
  // Query
  check: (fx) => ({ id: fx.check.id }),
  loyaltyCustomer: () => ({ code: '482195' }),
  loyaltyDashboard: () => ({}),
  loyaltyPrograms: () => ({}),
  locations: () => ({}),
  location: () => ({ id: '1' }),
  order: (fx) => ({ id: fx.order.id }),
  orderByExternalId: () => ({ externalId: 'demo-secret-ext-1', externalSource: 'erp' }),
  orders: () => ({}),
  paymentEventsCursor: () => ({}),
  paymentActivity: () => ({ from: '2000-01-01T00:00:00Z' }),
  payment: (fx) => ({ id: fx.paid.paymentId }),
  payments: () => ({}),
  webhookEndpoints: () => ({}),
  webhookEndpoint: (fx) => ({ id: fx.webhook.endpointId }),
  webhookDeliveries: (fx) => ({ endpointId: fx.webhook.endpointId }),
  webhookDeadLetters: () => ({ partnerId: 'demo' }),
  // Mutation: checks
  openCheck: () => ({
    input: {
      locationId: '1',
      posRef: `T-${Date.now()}`,
      orderNumber: '7777',
      ownedByEmployeeRef: 'emp-1',
      ownedByEmployee: 'Eve',
    },
  }),
  addCheckItem: (fx) => ({
    input: { checkId: fx.check.id, item: { posRef: 'it-1', name: 'Tea', quantity: 1, priceMinor: 300 } },
  }),
  removeCheckItem: (fx) => ({ input: { checkId: fx.check.id, itemId: fx.check.itemId } }),
  applyCheckTax: (fx) => ({
    input: { checkId: fx.check.id, tax: { name: 'City tax', kind: 'STANDARD', rateBps: 100 } },
  }),
  removeCheckTax: (fx) => ({ input: { checkId: fx.check.id, name: fx.check.taxName } }),
  setSupplementalFee: (fx) => ({ input: { checkId: fx.check.id, fee: { name: 'Service', rateBps: 100 } } }),
  setGratuity: (fx) => ({ input: { checkId: fx.check.id, gratuity: { amountMinor: 100 } } }),
  lockCheck: (fx) => ({ input: { checkId: fx.check.id } }),
  unlockCheck: (fx) => ({ input: { checkId: fx.check.id } }),
  closeCheck: (fx) => ({ input: { checkId: fx.check.id } }),
  // Mutation: loyalty
  earnLoyalty: () => ({
    input: { customerCode: '482193', externalId: 'ten-earn', manualCode: false, cardType: 'POINT', amountMinor: 100 },
  }),
  redeemLoyalty: () => ({
    input: { customerCode: '482193', externalId: 'ten-redeem', manualCode: false, cardType: 'POINT', value: 1 },
  }),
  redeemLoyaltyCoupon: (fx) => ({ input: { token: fx.loyalty.couponToken, manualCode: false } }),
  reverseLoyaltyTransaction: (fx) => ({ input: { id: fx.loyalty.transactionId } }),
  // Mutation: orders and payments
  createOrder: () => ({ input: { locationId: '1', currency: 'USD', totalMinor: 500 } }),
  payCheck: (fx) => ({
    input: {
      locationId: '1',
      posRef: fx.check2.posRef,
      amountMinor: 100,
      tipMinor: 0,
      card: { type: 'VS', last4Digits: '4242', expirationDate: '1240', token: 'tok_visa' },
      transaction: { authorizationCode: 'A1', invoice: 'INV-TEN-1' },
    },
  }),
  createPayment: (fx) => ({
    input: {
      orderId: fx.order.id,
      amountMinor: 100,
      currency: 'USD',
      entryMode: 'CARD_NOT_PRESENT',
      cardToken: 'tok_visa',
    },
  }),
  voidPayment: (fx) => ({ input: { paymentId: fx.voidable.paymentId, orderId: fx.voidable.orderId } }),
  reversePayment: (fx) => ({ input: { paymentId: fx.paid.paymentId } }),
  sandboxProcessorOutcome: (fx) => ({ input: { paymentId: fx.paid.paymentId, outcome: 'REVERSAL_SETTLED' } }),
  refundPayment: (fx) => ({ input: { paymentId: fx.paid.paymentId, amountMinor: 1 } }),
  closeBatch: () => ({ input: { locationId: '1' } }),
  // Mutation: webhooks
  createWebhookEndpoint: () => ({ input: { url: 'http://127.0.0.1:9/tenancy' } }),
  updateWebhookEndpoint: (fx) => ({ input: { id: fx.webhook.endpointId, description: 'changed' } }),
  updateLoyaltyProgram: (fx) => ({ input: { id: fx.credentials.programId, rewardName: 'Free Coffee' } }),
  rotateWebhookEndpointSecret: (fx) => ({ input: { id: fx.webhook.endpointId, overlapSeconds: 0 } }),
  replayWebhookDelivery: (fx) => ({ input: { id: fx.webhook.deliveryId } }),
  // Subscription
  paymentEvents: () => ({}),
  loyaltyPinChallenges: () => ({}),
};
