/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // isolatedModules (tsconfig.json) makes ts-jest transpile only: `npm run typecheck` checks types.
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
  // Each test file owns a whole database; two files at a time fit two cores.
  maxWorkers: 2,
  testTimeout: 30000,
};
