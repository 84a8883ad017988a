import { EntityClient, IdempotencyRecord, type SubgraphDefinition, buildFederatedSchema, settingsOf } from '@pos/kit';
import { checksEnv } from './config';
import { type ChecksContext, type ChecksRuntime, buildContext } from './context';
import { migrations } from './migrations';
import { Check, CheckItem, CheckReservation, CheckTax } from './modules/check/check.entity';
import { checkReference } from './modules/check/check.reference';
import {
  CheckItemResolver,
  CheckResolver,
  LocationChecksResolver,
  OrderChecksResolver,
} from './modules/check/check.resolver';
import { seedDemo } from './seed';

/** The checks subgraph: checks as the POS records them (mobile payments v2). */
export const checks: SubgraphDefinition<ChecksContext, ChecksRuntime> = {
  name: 'checks',
  pgSchema: 'checks',
  defaultPort: 4002,
  entities: [Check, CheckItem, CheckTax, CheckReservation, IdempotencyRecord],
  migrations,
  env: checksEnv,
  buildSchema: () =>
    buildFederatedSchema(
      { resolvers: [CheckResolver, CheckItemResolver, LocationChecksResolver, OrderChecksResolver] },
      checkReference,
    ),
  async createRuntime({ config }) {
    const settings = settingsOf(checksEnv, config);
    return { orders: new EntityClient(settings.ORDERS_URL, config.INTERNAL_JWT_SECRET) };
  },
  buildContext,
  seedDemo,
};
