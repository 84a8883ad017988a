import {
  ApiClient,
  ApiKey,
  AuditEvent,
  AuthorizationCode,
  LaunchToken,
  Partner,
  PortalSession,
  PortalUser,
  PosUser,
  PosUserRole,
  RefreshToken,
  SignInThrottle,
  SigningKey,
  UserSession,
} from './identity.entities';
import { migrations } from './migrations';

/**
 * The gateway's own storage: the `identity` schema (partners, API clients, signing keys, POS users, API keys, launch
 * tokens, user sessions and their refresh tokens, portal users, their sign-in throttles, authorization codes and sessions, and the audit trail of credential changes).
 */
export const gatewayOrm = {
  pgSchema: 'identity',
  entities: [
    Partner,
    ApiClient,
    SigningKey,
    PosUser,
    PosUserRole,
    ApiKey,
    LaunchToken,
    UserSession,
    RefreshToken,
    PortalUser,
    SignInThrottle,
    AuthorizationCode,
    PortalSession,
    AuditEvent,
  ],
  migrations,
};
