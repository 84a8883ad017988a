/**
 * Identifiers of the demo data that several services seed on an empty database. Each service seeds
 * only its own tables; these constants are what links them (tenants, locations).
 */
export const DEMO = {
  tenants: { demo: 'demo', other: 'other' },
  /** The platform operators' own client (scopes OPERATOR_SCOPES only), in their own tenant, not a partner's. */
  operator: { partner: 'tilt', name: 'Tilt operations', clientId: 'demo-operator', secret: 'demo-operator-secret' },
  /**
   * People who sign in to the portal with a password: each partner's admin, and an operator of the platform (in the
   * operators' tenant). Listed in the README's demo sign-ins; a real deployment creates its own.
   */
  people: [
    {
      partner: 'demo',
      email: 'admin@demo.example',
      password: 'demo-admin-password',
      name: 'Demo Admin',
      role: 'partner_admin',
    },
    {
      partner: 'demo',
      email: 'dev@demo.example',
      password: 'demo-dev-password',
      name: 'Demo Developer',
      role: 'partner_developer',
    },
    {
      partner: 'other',
      email: 'admin@other.example',
      password: 'other-admin-password',
      name: 'Other Admin',
      role: 'partner_admin',
    },
    {
      partner: 'tilt',
      email: 'ops@tilt.example',
      password: 'demo-ops-password',
      name: 'Tilt Operator',
      role: 'operator',
    },
  ],
  locations: [
    { id: 1, tenantId: 'demo', name: 'Demo Bistro Downtown', timezone: 'America/New_York' },
    { id: 2, tenantId: 'demo', name: 'Demo Bistro Airport', timezone: 'America/New_York' },
    { id: 3, tenantId: 'other', name: 'Other Diner', timezone: 'America/Chicago' },
  ],
  /**
   * Loyalty orgs of partner demo (their X-Api-Key is `apiKey`), with customers `<prefix>93` (500 points),
   * `<prefix>94` (4 stamps) and `<prefix>95` (empty); the lapsed org has only its `<prefix>93`. Each customer's
   * dashboard key is `demo-customer-<code>`. The gateway seeds the keys, the loyalty subgraph the orgs.
   */
  loyaltyOrgs: [
    { id: '0000000a-0000-4000-8000-000000000001', apiKey: 'demo-loyalty-standard', preset: 'standard', prefix: '4821' },
    { id: '0000000a-0000-4000-8000-000000000002', apiKey: 'demo-loyalty-balanced', preset: 'balanced', prefix: '5821' },
    { id: '0000000a-0000-4000-8000-000000000003', apiKey: 'demo-loyalty-strict', preset: 'strict', prefix: '6821' },
    { id: '0000000a-0000-4000-8000-000000000004', apiKey: 'demo-loyalty-lapsed', preset: 'standard', prefix: '7821' },
  ],
} as const;

/** The demo loyalty customers' codes, by org (DEMO.loyaltyOrgs). */
export const demoLoyaltyCodes = (org: (typeof DEMO.loyaltyOrgs)[number]): string[] =>
  (org.apiKey === 'demo-loyalty-lapsed' ? [93] : [93, 94, 95]).map((n) => `${org.prefix}${n}`);

/** A demo loyalty customer's id, fixed so that the gateway can seed the dashboard key of each one. */
export const demoLoyaltyCustomerId = (code: string) => `0000000c-0000-4000-8000-000000${code}`;
export const demoLoyaltyCustomerKey = (code: string) => `demo-customer-${code}`;

export function shouldSeedDemo(nodeEnv: string, seedDemo: boolean | undefined): boolean {
  return seedDemo ?? nodeEnv !== 'production';
}
