import express, { type Request, type Response, Router } from 'express';
import { type CheckoutFormView, type ErrorPageView, renderCheckoutForm, renderErrorPage } from './checkout.page';
import { crossSiteReason, originOf } from '../auth/browser-requests';
import { scriptFreePageHeaders, styleNonce } from '../web/script-free-page';
import {
  type CheckoutForm,
  CheckoutRefusal,
  HOSTED_CHECKOUT_PATH,
  type HostedCheckoutService,
  type OpenCheckout,
} from './checkout.service';

/**
 * The public hosted checkout pages. No credential but the signed link in the URL, so these answers are careful:
 *
 * - **No script, strict CSP.** `default-src 'none'`; the one inline stylesheet carries a per-response nonce;
 *   `form-action` allows only this origin and the partner's return and cancel origins (Chromium checks the redirect
 *   that follows a form post against it); `frame-ancestors 'none'` and `X-Frame-Options: DENY` (no clickjacking),
 *   `base-uri 'none'`.
 * - **The token is in the URL**: `Referrer-Policy: same-origin` keeps it out of the Referer of anything on another
 *   origin the page leads to (the partner's return page included), `Cache-Control: no-store` out of caches; the
 *   request log records paths without their query. (Not `no-referrer`: under it browsers send `Origin: null` with the
 *   page's own form posts, and the Origin check below needs the real one.)
 * - **CSRF.** A form post must carry the CSRF token the gateway rendered into the form for this checkout (an HMAC of
 *   the checkout id and the form's nonce, checkout.token.ts), and is refused (403) when the browser says it comes
 *   from another site: `Sec-Fetch-Site` other than `same-origin`, or an `Origin` other than this gateway's.
 * - **Errors** are pages of their own with a 4xx (or a 500 with only a reference), never a stack trace or JSON.
 */

export interface HostedCheckoutRouterOptions {
  service: HostedCheckoutService;
  /** The gateway's public URL: its origin is the one a same-site form post comes from. */
  publicUrl: string;
  logger: { error(obj: object, msg: string): void };
}

function sendError(res: Response, status: number, view: ErrorPageView): void {
  const nonce = styleNonce();
  scriptFreePageHeaders(res, nonce, []);
  res.status(status).type('html').send(renderErrorPage(view, nonce));
}

function sendForm(res: Response, status: number, checkout: OpenCheckout, view: CheckoutFormView): void {
  const nonce = styleNonce();
  const { order } = checkout;
  const targets = [order.returnUrl, order.cancelUrl].map((url) => (url ? originOf(url) : null));
  scriptFreePageHeaders(
    res,
    nonce,
    targets.filter((origin): origin is string => origin !== null),
  );
  res.status(status).type('html').send(renderCheckoutForm(view, nonce));
}

function redirect(res: Response, location: string): void {
  scriptFreePageHeaders(res, styleNonce(), []);
  // 303: the browser follows with a GET, so a reload of the partner's page never re-posts the payment form.
  res.redirect(303, location);
}

const crossSiteRefusal = () =>
  new CheckoutRefusal(403, {
    title: 'This form could not be accepted',
    message: 'For your security, a payment can only be made from the payment page itself. Open the payment link again.',
  });

export function hostedCheckoutRouter(options: HostedCheckoutRouterOptions): Router {
  const { service } = options;
  const router = Router();
  const ownOrigin = originOf(options.publicUrl);
  const parseForm = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

  const answer = async (res: Response, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      if (error instanceof CheckoutRefusal) return sendError(res, error.status, error.page);
      const requestId = res.locals.requestId as string;
      options.logger.error({ err: error, requestId }, 'hosted checkout: unhandled error');
      sendError(res, 500, {
        title: 'Something went wrong',
        message: 'The payment page could not be shown. Nothing was charged. Please try again in a moment.',
        requestId,
      });
    }
  };

  /** The checks every form post passes before its checkout is read: same site, a form body. */
  const postedForm = (req: Request): CheckoutForm => {
    if (crossSiteReason(req, ownOrigin)) throw crossSiteRefusal();
    if (!req.is('application/x-www-form-urlencoded')) {
      throw new CheckoutRefusal(415, {
        title: 'This form could not be accepted',
        message: 'Open the payment link again and use the form on that page.',
      });
    }
    return (req.body ?? {}) as CheckoutForm;
  };

  router.get(HOSTED_CHECKOUT_PATH, (req, res) =>
    answer(res, async () => {
      const checkout = await service.open(req.query.token, res.locals.requestId as string);
      service.assertPayable(checkout);
      sendForm(res, 200, checkout, service.formView(checkout));
    }),
  );

  router.post(`${HOSTED_CHECKOUT_PATH}/pay`, parseForm, (req, res) =>
    answer(res, async () => {
      const requestId = res.locals.requestId as string;
      const form = postedForm(req);
      const checkout = await service.open(form.token, requestId);
      if (!service.csrfValid(checkout, form)) throw crossSiteRefusal();
      const paid = service.paidLocation(checkout);
      if (paid) return redirect(res, paid);
      service.assertPayable(checkout);
      const outcome = await service.pay(checkout, form, requestId);
      if (outcome.kind === 'redirect') return redirect(res, outcome.location);
      if (outcome.status === 503) res.setHeader('Retry-After', '5');
      sendForm(
        res,
        outcome.status,
        checkout,
        service.formView(checkout, {
          problem: outcome.problem,
          cardToken: outcome.cardToken,
          cardholderName: outcome.cardholderName,
        }),
      );
    }),
  );

  router.post(`${HOSTED_CHECKOUT_PATH}/cancel`, parseForm, (req, res) =>
    answer(res, async () => {
      const form = postedForm(req);
      const checkout = await service.open(form.token, res.locals.requestId as string);
      if (!service.csrfValid(checkout, form)) throw crossSiteRefusal();
      redirect(res, service.cancelLocation(checkout));
    }),
  );

  for (const action of ['pay', 'cancel']) {
    router.get(`${HOSTED_CHECKOUT_PATH}/${action}`, (_req, res) => {
      res.setHeader('Allow', 'POST');
      sendError(res, 405, {
        title: 'This page cannot be opened directly',
        message: 'Open the payment link the merchant sent you.',
      });
    });
  }
  return router;
}
