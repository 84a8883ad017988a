import type { RequestContext } from '@pos/kit';
import { createCheckLoaders } from './modules/check/check.loader';
import { CheckService } from './modules/check/check.service';

export function buildContext(base: RequestContext) {
  const services = { checks: new CheckService(base.em) };
  return { ...base, services, loaders: createCheckLoaders(services.checks, base.principal) };
}

export type ChecksContext = ReturnType<typeof buildContext>;
