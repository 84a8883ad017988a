import { loyaltyRoutes } from './loyalty/webhooks';
import { locationRoutes } from './v1/locations';
import { orderRoutes } from './v1/orders';
import { paymentRoutes } from './v1/payments';
import { mobileCheckRoutes } from './v2/checks';

/**
 * The REST facade's route table (partner API v1, mobile payments v2, loyalty). It also generates the OpenAPI
 * document.
 */
export const routes = [...locationRoutes, ...orderRoutes, ...paymentRoutes, ...mobileCheckRoutes, ...loyaltyRoutes];
