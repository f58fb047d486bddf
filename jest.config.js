// Two kinds of tests, told apart by file name: *.spec.ts (fast, pure) and test/**/*.e2e-spec.ts (real PostgreSQL, real sockets).
const moduleNameMapper = { '^@herald/([a-z-]+)(/.*)?$': '<rootDir>/libs/$1/src$2' };
// Nest 12 ships ES modules: Jest loads them natively (require(esm)), which needs Node 24.9+ run with
// --experimental-vm-modules (see the test scripts in package.json); only our TypeScript is compiled.
if (typeof require('node:vm').SourceTextModule?.prototype.hasAsyncGraph !== 'function') {
  throw new Error(
    `Jest needs Node 24.9+ started with --experimental-vm-modules to load Nest 12 (this is Node ${process.versions.node}): ` +
      'run it as `npm run jest -- <files>` (or npm test), which uses the Node 24 that npm ci installed.',
  );
}
const transform = {
  '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
};

module.exports = {
  // Per-project testTimeout is not applied by Jest 30; e2e tests boot servers and need more than 5 s.
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/support/no-skips-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/server/**/*.spec.ts'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      moduleNameMapper,
      transform,
      setupFiles: ['<rootDir>/test/support/setup-env.ts'],
    },
  ],
};
