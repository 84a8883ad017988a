import type { RequestContext } from '@pos/kit';
import { createCustomerLoader } from './modules/customer/customer.loader';
import { CustomerService } from './modules/customer/customer.service';

export function buildContext(base: RequestContext) {
  const services = { customers: new CustomerService(base.em) };
  return { ...base, services, loaders: { customer: createCustomerLoader(services.customers, base.principal) } };
}

export type LoyaltyContext = ReturnType<typeof buildContext>;
