import type { Clock, EntityClient, Logger } from '@pos/kit';
import type { GraphExecutor } from '../graph-executor';
import type { RouteLinks } from '../rest/route';
import { hostedCheckoutOpenApiPaths } from './checkout.openapi';
import { hostedCheckoutRouter } from './checkout.router';
import { HostedCheckoutService } from './checkout.service';
import { CheckoutTokens } from './checkout.token';

export { HOSTED_CHECKOUT_PATH, HostedCheckoutService } from './checkout.service';
export { CheckoutTokens } from './checkout.token';

export interface HostedCheckoutOptions {
  /** KEY_ENCRYPTION_KEY: the link's signing key and the forms' CSRF key are derived from it. */
  keyEncryptionKey: Buffer;
  execute: GraphExecutor;
  /** The orders subgraph, called directly for what the public graph does not have (completing a checkout). */
  orders: EntityClient;
  publicUrl: string;
  clock: Clock;
  logger: Logger;
}

/** The hosted checkout (checkout.service.ts): its public pages, and the link the REST order body carries. */
export function createHostedCheckout(options: HostedCheckoutOptions) {
  const service = new HostedCheckoutService({
    tokens: new CheckoutTokens(options.keyEncryptionKey),
    execute: options.execute,
    orders: options.orders,
    publicUrl: options.publicUrl,
    clock: options.clock,
    logger: options.logger,
  });
  const links: RouteLinks = { hostedCheckout: (tenantId, order) => service.linkFor(tenantId, order) };
  return {
    service,
    links,
    router: hostedCheckoutRouter({ service, publicUrl: options.publicUrl, logger: options.logger }),
  };
}

/** The OpenAPI document with the hosted checkout's public pages added (checkout.openapi.ts). */
export const withHostedCheckoutPaths = <D extends { paths: Record<string, unknown> }>(document: D): D => ({
  ...document,
  paths: { ...document.paths, ...hostedCheckoutOpenApiPaths },
});
