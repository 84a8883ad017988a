const base = require('./jest.config.js');

/**
 * `pnpm test:browser` (also run by CI, after `pnpm test`): the pages in a real Chromium (test/e2e/*.browser.test.ts),
 * each against the whole system, with screenshots at 390 and 1280 px in test-artifacts/ and axe-core's checks. Kept
 * out of `pnpm test` for time only: the same global setup (the web build, the embedded PostgreSQL).
 */
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.browser.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 90_000,
};
