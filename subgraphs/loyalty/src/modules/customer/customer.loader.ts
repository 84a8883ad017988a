import { type Principal, oneByKey } from '@pos/kit';
import type { LoyaltyCustomer } from './customer.entity';
import type { CustomerService } from './customer.service';

export const createCustomerLoader = (service: CustomerService, principal: Principal | null) =>
  oneByKey<string, LoyaltyCustomer>(
    (ids) => (principal ? service.byIds(principal, ids) : Promise.resolve([])),
    (c) => c.id,
  );
