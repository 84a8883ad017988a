const swcConfig = require('./swc.config.js');

/**
 * `pnpm test:reliability` (also run by CI): the slow suites, faults and a five-minute load, in
 * test/slow/*.slow.ts, a name the main config's `**\/*.test.ts` does not match. Each suite starts its own embedded
 * PostgreSQL and the services as processes (test/slow/system.ts), so there is no global setup; one file at a time,
 * since each needs the machine's two cores to itself. LOAD_SECONDS shortens the load (default 300).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/slow'],
  testMatch: ['**/*.slow.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcConfig] },
  testTimeout: 120_000,
  maxWorkers: 1,
};
