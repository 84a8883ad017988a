/**
 * Identifiers of the demo data (DESIGN §5) that several services seed on an empty database. Each service seeds
 * only its own tables; these constants are what links them (tenants, locations).
 */
export const DEMO = {
  tenants: { demo: 'demo', other: 'other' },
  locations: [
    { id: 1, tenantId: 'demo', name: 'Demo Bistro Downtown', timezone: 'America/New_York' },
    { id: 2, tenantId: 'demo', name: 'Demo Bistro Airport', timezone: 'America/New_York' },
    { id: 3, tenantId: 'other', name: 'Other Diner', timezone: 'America/Chicago' },
  ],
} as const;

export function shouldSeedDemo(nodeEnv: string, seedDemo: boolean | undefined): boolean {
  return seedDemo ?? nodeEnv !== 'production';
}
