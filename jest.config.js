const swcConfig = require('./swc.config.js');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/gateway', '<rootDir>/subgraphs', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The pages in Chromium are `pnpm test:browser` (jest.browser.config.js), which CI runs after this: together they
  // would take `pnpm test` well past its five minutes on two cores.
  testPathIgnorePatterns: ['/node_modules/', '\\.browser\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcConfig] },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // Two cores: two workers keep the machine busy without starving the embedded PostgreSQL.
  maxWorkers: 2,
};
