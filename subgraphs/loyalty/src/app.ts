import type { SubgraphDefinition } from '@pos/kit';
import { buildFederatedSchema } from '@pos/kit';
import { type LoyaltyContext, buildContext } from './context';
import { migrations } from './migrations';
import { LoyaltyCustomer } from './modules/customer/customer.entity';
import { customerReference } from './modules/customer/customer.reference';
import { CustomerResolver } from './modules/customer/customer.resolver';
import { LoyaltyOrg } from './modules/org/org.entity';
import { seedDemo } from './seed';

/** The loyalty subgraph: loyalty orgs, customers and their balances. */
export const loyalty: SubgraphDefinition<LoyaltyContext> = {
  name: 'loyalty',
  pgSchema: 'loyalty',
  defaultPort: 4004,
  entities: [LoyaltyOrg, LoyaltyCustomer],
  migrations,
  buildSchema: () => buildFederatedSchema({ resolvers: [CustomerResolver] }, customerReference),
  buildContext,
  seedDemo,
};
