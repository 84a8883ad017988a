import path from 'node:path';
import { checks } from '@pos/checks';
import { gatewayOrm } from '@pos/gateway/src/identity/orm';
import type { SubgraphDefinition } from '@pos/kit';
import { loyalty } from '@pos/loyalty';
import { orders } from '@pos/orders';
import { payments } from '@pos/payments';

const root = path.resolve(__dirname, '..');

/** The four subgraphs, in the order of their ports. */
export const subgraphDefinitions = [orders, checks, payments, loyalty] as unknown as SubgraphDefinition<never>[];

/** Every service that owns a PostgreSQL schema, with where its migrations are written. */
export const serviceOrmDefinitions = [
  ...subgraphDefinitions.map((d) => ({ ...d, migrationsDir: path.join(root, 'subgraphs', d.name, 'src/migrations') })),
  { ...gatewayOrm, name: 'gateway', migrationsDir: path.join(root, 'gateway/src/identity/migrations') },
];
