import { ApiClient, ApiKey, Partner, PosUser, PosUserRole, SigningKey } from './identity.entities';
import { migrations } from './migrations';

/** The gateway's own storage: the `identity` schema (partners, API clients, signing keys, POS users, API keys). */
export const gatewayOrm = {
  pgSchema: 'identity',
  entities: [Partner, ApiClient, SigningKey, PosUser, PosUserRole, ApiKey],
  migrations,
};
