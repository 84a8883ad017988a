import { HOSTED_CHECKOUT_PATH } from './checkout.service';

/**
 * The hosted checkout's public pages in the OpenAPI document. They answer HTML to a browser, not JSON to a partner,
 * and run no single GraphQL operation, so they are outside the route table (like the SSO launch routes); they are
 * written out here, with `text/html` and form bodies, and added to the generated document's paths.
 */

const html = (description: string, extra: Record<string, unknown> = {}) => ({
  description,
  ...extra,
  content: { 'text/html': { schema: { type: 'string' } } },
});

const errorPages = {
  400: html('Error page: the link is missing, malformed, forged or altered, or no longer matches its order'),
  410: html('Error page: the link expired (30 minutes), was already used to pay, or its order is closed'),
  500: html('Error page with a reference (the request id) and nothing internal'),
};

const SECURITY_NOTE =
  "Responses carry a strict Content-Security-Policy (`default-src 'none'`, no script, a nonce for the one " +
  "stylesheet, `form-action` limited to the gateway and the order's return and cancel origins, `frame-ancestors " +
  "'none'`), `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (the token never leaves in a Referer) and " +
  '`Cache-Control: no-store`.';

const formFields = {
  token: { type: 'string', description: 'The link token, as the page put it in the form' },
  nonce: { type: 'string', description: 'The form’s nonce (one payment attempt)' },
  csrf: { type: 'string', description: 'The form’s CSRF token (an HMAC of the checkout and the nonce)' },
};

const CSRF_NOTE =
  'Refused with 403 when Sec-Fetch-Site is not same-origin, when Origin is another site, or without the CSRF ' +
  'token the page rendered for this checkout.';

const location = {
  headers: { Location: { description: 'Where the browser goes next', schema: { type: 'string', format: 'uri' } } },
};

/** The three public paths, as OpenAPI 3.1 path items. */
export const hostedCheckoutOpenApiPaths: Record<string, Record<string, unknown>> = {
  [HOSTED_CHECKOUT_PATH]: {
    get: {
      operationId: 'getHostedCheckout',
      summary: 'The hosted payment page of an order (public: the signed token is the credential)',
      description:
        'The link is an order’s `hosted_checkout_url` (POST /pos/v1/orders with `return_url`). The page shows the ' +
        'merchant (the location), the order’s Level 3 lines when it has them, the total, and a card form with Pay ' +
        `and (with a cancel_url) Cancel. ${SECURITY_NOTE}`,
      tags: ['Hosted checkout'],
      security: [],
      parameters: [
        {
          name: 'token',
          in: 'query',
          required: true,
          description: 'The signed link token (HS256 JWT, `typ` checkout+jwt), valid 30 minutes and until paid',
          schema: { type: 'string' },
        },
      ],
      responses: { 200: html('The payment page'), ...errorPages },
    },
  },
  [`${HOSTED_CHECKOUT_PATH}/pay`]: {
    post: {
      operationId: 'payHostedCheckout',
      summary: 'Pay the order from the hosted page (the page’s form)',
      description:
        'Runs createPayment as the order’s partner (scope tilt/pos:payments, the order’s location) for the link’s ' +
        'amount, with the idempotency key `hosted-checkout:<checkout id>:<nonce>`: a double submit pays once. ' +
        `Approved: \`payment.approved\`, the link is used up, 303 to return_url. ${CSRF_NOTE}`,
      tags: ['Hosted checkout'],
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              required: ['token', 'nonce', 'csrf', 'card_token', 'cardholder_name'],
              properties: {
                ...formFields,
                card_token: { type: 'string', description: 'The card as a processor token, e.g. tok_visa' },
                cardholder_name: { type: 'string', description: 'Name on the card, 1–100 characters' },
              },
            },
          },
        },
      },
      responses: {
        303: {
          description: 'Approved: to return_url with `order_id` and `payment_id` added to its query',
          ...location,
        },
        400: html('The form again: a missing name or card (or the error page of a bad link)'),
        402: html('The form again: the card was declined; nothing was charged, the link stays usable'),
        403: html('Error page: a cross-site post or a missing or wrong CSRF token'),
        409: html('Error page or form: the order owes nothing any more, or the payment is still being processed'),
        410: errorPages[410],
        415: html('Error page: not a form post'),
        500: errorPages[500],
        503: html('The form again: the processor did not answer; nothing was charged; retry', {
          headers: { 'Retry-After': { schema: { type: 'string' } } },
        }),
      },
    },
  },
  [`${HOSTED_CHECKOUT_PATH}/cancel`]: {
    post: {
      operationId: 'cancelHostedCheckout',
      summary: 'Leave the hosted page for the order’s cancel_url (the page’s Cancel button)',
      description: `The link stays usable until it expires. ${CSRF_NOTE}`,
      tags: ['Hosted checkout'],
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: { type: 'object', required: ['token', 'nonce', 'csrf'], properties: formFields },
          },
        },
      },
      responses: {
        303: { description: 'To cancel_url with `order_id` added to its query', ...location },
        403: html('Error page: a cross-site post or a missing or wrong CSRF token'),
        415: html('Error page: not a form post'),
        ...errorPages,
      },
    },
  },
};
