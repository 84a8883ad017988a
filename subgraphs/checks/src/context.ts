import type { EntityClient, RequestContext, SubgraphRuntime } from '@pos/kit';
import { createCheckLoaders } from './modules/check/check.loader';
import { CheckReservations } from './modules/check/check.reservations';
import { CheckService } from './modules/check/check.service';

export interface ChecksRuntime extends SubgraphRuntime {
  orders: EntityClient;
}

export function buildContext(base: RequestContext, runtime: ChecksRuntime) {
  const services = {
    checks: new CheckService(base.em, { orders: runtime.orders, requestId: base.requestId }),
    reservations: new CheckReservations(base.em),
  };
  return { ...base, services, loaders: createCheckLoaders(services.checks, base.principal) };
}

export type ChecksContext = ReturnType<typeof buildContext>;
