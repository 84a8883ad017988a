import { ApiClient, Partner, SigningKey } from './identity.entities';
import { migrations } from './migrations';

/** The gateway's own storage: the `identity` schema (partners, API clients, signing keys). */
export const gatewayOrm = {
  pgSchema: 'identity',
  entities: [Partner, ApiClient, SigningKey],
  migrations,
};
