import type { EntityManager } from '@mikro-orm/postgresql';
import {
  ALL_SCOPES,
  DEMO,
  OPERATOR_SCOPES,
  demoLoyaltyCodes,
  demoLoyaltyCustomerId,
  demoLoyaltyCustomerKey,
} from '@pos/kit';
import type { RoleSlug } from '../auth/roles';
import { hashBearerSecret, hashSecret } from '../auth/secrets';
import { ApiClient, ApiKey, Partner, PortalUser, PosUser, PosUserRole } from './identity.entities';

const DEMO_CLIENTS = [
  { partner: DEMO.tenants.demo, name: 'Demo Partner', clientId: 'demo-partner', secret: 'demo-secret' },
  { partner: DEMO.tenants.other, name: 'Other Partner', clientId: 'other-partner', secret: 'other-secret' },
];

const DEMO_USERS: Array<{
  partner: string;
  email: string;
  name: string;
  roles: Array<{ locationId: number; role: RoleSlug }>;
}> = [
  {
    partner: DEMO.tenants.demo,
    email: 'cashier@demo.example',
    name: 'Demo Cashier',
    roles: [{ locationId: 1, role: 'location_cashier' }],
  },
  {
    partner: DEMO.tenants.demo,
    email: 'manager@demo.example',
    name: 'Demo Manager',
    roles: [
      { locationId: 1, role: 'location_manager' },
      { locationId: 2, role: 'location_manager' },
    ],
  },
  {
    partner: DEMO.tenants.other,
    email: 'cashier@other.example',
    name: 'Other Cashier',
    roles: [{ locationId: 3, role: 'location_cashier' }],
  },
];

/**
 * Demo partners, their M2M clients, POS users, portal people and loyalty API keys, on an empty identity schema. A database seeded by an
 * older version is brought up to date instead: the demo clients gain scopes added since, and the demo users are
 * created when there is no POS user yet. Idempotent, and safe with several gateways starting at once.
 */
export async function seedIdentity(em: EntityManager): Promise<void> {
  await em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('identity.seed'))`);
    if ((await tx.count(Partner, {})) === 0) await seedPartners(tx);
    else await grantNewScopes(tx);
    if ((await tx.count(PosUser, {})) === 0) await seedUsers(tx);
    if ((await tx.count(ApiKey, {})) === 0) await seedLoyaltyKeys(tx);
    if (!(await tx.findOne(ApiClient, { clientId: DEMO.operator.clientId }))) await seedOperator(tx);
    await seedPeople(tx);
  });
}

/** The operators' client: it holds only the operator scopes, which no partner client is ever given. */
async function seedOperator(tx: EntityManager) {
  const { partner: id, name, clientId, secret } = DEMO.operator;
  const partner = (await tx.findOne(Partner, { id })) ?? Object.assign(new Partner(), { id, name });
  const client = new ApiClient();
  Object.assign(client, {
    clientId,
    partner,
    secretHash: await hashSecret(secret),
    allowedScopes: Object.values(OPERATOR_SCOPES).join(' '),
  });
  tx.persist([partner, client]);
  await tx.flush();
}

/**
 * The portal's demo people (partner admins, a developer, an operator) who are not there yet, for the demo partners
 * still there: a demo database from before a person was added gains them on its next start.
 */
async function seedPeople(tx: EntityManager) {
  const partners = new Map(
    (await tx.find(Partner, { id: { $in: DEMO.people.map((p) => p.partner) } })).map((p) => [p.id, p]),
  );
  const present = new Set(
    (await tx.find(PortalUser, { email: { $in: DEMO.people.map((p) => p.email) } })).map((p) => p.email),
  );
  for (const spec of DEMO.people) {
    const partner = partners.get(spec.partner);
    if (!partner || present.has(spec.email)) continue;
    const person = new PortalUser();
    Object.assign(person, {
      partner,
      email: spec.email,
      name: spec.name,
      role: spec.role,
      passwordHash: await hashSecret(spec.password),
    });
    tx.persist(person);
  }
  await tx.flush();
}

async function seedPartners(tx: EntityManager) {
  for (const spec of DEMO_CLIENTS) {
    const partner = new Partner();
    Object.assign(partner, { id: spec.partner, name: spec.name, grantedScopes: ALL_SCOPES.join(' ') });
    const client = new ApiClient();
    Object.assign(client, {
      clientId: spec.clientId,
      partner,
      secretHash: await hashSecret(spec.secret),
      allowedScopes: ALL_SCOPES.join(' '),
    });
    tx.persist([partner, client]);
  }
  await tx.flush();
}

/** The demo partners and their clients hold every scope, including those added after the database was seeded. */
async function grantNewScopes(tx: EntityManager) {
  const withEveryScope = (held: string) => {
    const scopes = held.split(' ').filter(Boolean);
    const missing = ALL_SCOPES.filter((scope) => !scopes.includes(scope));
    return missing.length ? [...scopes, ...missing].join(' ') : held;
  };
  const clients = await tx.find(ApiClient, { clientId: { $in: DEMO_CLIENTS.map((c) => c.clientId) } });
  for (const client of clients) client.allowedScopes = withEveryScope(client.allowedScopes);
  const partners = await tx.find(Partner, { id: { $in: DEMO_CLIENTS.map((c) => c.partner) } });
  for (const partner of partners) partner.grantedScopes = withEveryScope(partner.grantedScopes);
  await tx.flush();
}

async function seedUsers(tx: EntityManager) {
  // Only for the demo partners still there: a developer may have removed one.
  const partners = new Map(
    (await tx.find(Partner, { id: { $in: DEMO_USERS.map((u) => u.partner) } })).map((p) => [p.id, p]),
  );
  for (const spec of DEMO_USERS) {
    const partner = partners.get(spec.partner);
    if (!partner) continue;
    const user = new PosUser();
    Object.assign(user, { partner, email: spec.email, name: spec.name });
    tx.persist(user);
    for (const { locationId, role } of spec.roles) {
      const row = new PosUserRole();
      Object.assign(row, { user, locationId, roleSlug: role });
      tx.persist(row);
    }
  }
  await tx.flush();
}

/** The X-Api-Key of each demo loyalty org, and a dashboard key for each of their customers. */
async function seedLoyaltyKeys(tx: EntityManager) {
  const partner = await tx.findOne(Partner, { id: DEMO.tenants.demo });
  if (!partner) return;
  for (const org of DEMO.loyaltyOrgs) {
    const keys = [
      { key: org.apiKey, kind: 'loyaltyOrg' as const, subject: org.id, label: `${org.apiKey} (demo POS key)` },
      ...demoLoyaltyCodes(org).map((code) => ({
        key: demoLoyaltyCustomerKey(code),
        kind: 'loyaltyCustomer' as const,
        subject: demoLoyaltyCustomerId(code),
        label: `customer ${code} (demo dashboard key)`,
      })),
    ];
    for (const spec of keys) {
      const row = new ApiKey();
      Object.assign(row, {
        keyHash: hashBearerSecret(spec.key),
        partner,
        kind: spec.kind,
        subject: spec.subject,
        label: spec.label,
      });
      tx.persist(row);
    }
  }
  await tx.flush();
}
