import type { SubgraphDefinition } from '@pos/kit';
import { buildFederatedSchema } from '@pos/kit';
import { type ChecksContext, buildContext } from './context';
import { migrations } from './migrations';
import { Check, CheckItem } from './modules/check/check.entity';
import { checkReference } from './modules/check/check.reference';
import { CheckResolver, LocationChecksResolver, OrderChecksResolver } from './modules/check/check.resolver';
import { seedDemo } from './seed';

/** The checks subgraph: checks as the POS records them (mobile payments v2). */
export const checks: SubgraphDefinition<ChecksContext> = {
  name: 'checks',
  pgSchema: 'checks',
  defaultPort: 4002,
  entities: [Check, CheckItem],
  migrations,
  buildSchema: () =>
    buildFederatedSchema({ resolvers: [CheckResolver, LocationChecksResolver, OrderChecksResolver] }, checkReference),
  buildContext,
  seedDemo,
};
