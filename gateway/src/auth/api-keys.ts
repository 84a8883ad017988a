import type { EntityManager } from '@mikro-orm/postgresql';
import { LOYALTY_CUSTOMER_SCOPE, type Principal, SCOPES } from '@pos/kit';
import { ApiKey, type ApiKeyKind } from '../identity/identity.entities';
import { hashBearerSecret } from './secrets';

/** The header the loyalty API authenticates with: `X-Api-Key: <secret>`. */
export const API_KEY_HEADER = 'x-api-key';

const SCOPES_OF_KIND: Record<ApiKeyKind, string[]> = {
  loyaltyOrg: [SCOPES.loyaltyPos],
  loyaltyCustomer: [LOYALTY_CUSTOMER_SCOPE],
};

/** Anything else is not a key we could have issued, and is refused without a lookup. */
const KEY_SHAPE = /^[\x21-\x7e]{8,256}$/;

/**
 * The caller an API key stands for, or null for an unknown, disabled or malformed key. A key opens no location
 * (`locationIds: []`) and only its kind's scope: a loyalty POS key cannot read orders, a customer key sees only
 * its own loyalty account.
 */
export function apiKeyPrincipals(lookup: (keyHash: string) => Promise<Principal | null>) {
  return (key: string | undefined): Promise<Principal | null> =>
    key && KEY_SHAPE.test(key) ? lookup(hashBearerSecret(key)) : Promise.resolve(null);
}

export async function loadApiKeyPrincipal(em: EntityManager, keyHash: string): Promise<Principal | null> {
  const row = await em.findOne(ApiKey, { keyHash, active: true });
  if (!row) return null;
  return {
    tenantId: row.partner.id,
    subject: row.subject,
    kind: row.kind,
    clientId: null,
    scopes: SCOPES_OF_KIND[row.kind] ?? [],
    locationIds: [],
  };
}
