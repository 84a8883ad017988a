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
  // jest's runtime, but a worker keeps V8's code cache of each module it compiled for the next test files: the
  // end-to-end files load the same ~3,000 modules each, and parsing them again cost about a second and a half a file.
  runtime: '<rootDir>/test/support/code-cache-runtime.js',
  // The longest files first even on a machine without jest's timings of an earlier run (CI): see the sequencer.
  testSequencer: '<rootDir>/test/support/sequencer.js',
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // Two cores: two workers keep the machine busy without starving the embedded PostgreSQL.
  maxWorkers: 2,
  // A worker that ran many suites holds gigabytes it no longer needs (seen: 2.4 GB each); past this it is replaced
  // between suites, which costs a second and spares the collector's long pauses on a two-core machine.
  workerIdleMemoryLimit: '1GB',
};
