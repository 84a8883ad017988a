import { loyaltyRoutes } from './loyalty/pos-api';
import { locationRoutes } from './v1/locations';
import { orderRoutes } from './v1/orders';
import { paymentRoutes } from './v1/payments';
import { webhookRoutes } from './v1/webhooks';
import { mobileCheckRoutes } from './v2/checks';

/**
 * The REST facade's route table (partner API v1 with its webhook endpoints, mobile payments v2, loyalty). It also
 * generates the OpenAPI document.
 */
export const routes = [
  ...locationRoutes,
  ...orderRoutes,
  ...paymentRoutes,
  ...webhookRoutes,
  ...mobileCheckRoutes,
  ...loyaltyRoutes,
];
