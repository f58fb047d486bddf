// Two kinds of tests, told apart by file name: *.spec.ts (fast, pure) and test/**/*.e2e-spec.ts (real PostgreSQL, real sockets).
const moduleNameMapper = { '^@herald/([a-z-]+)(/.*)?$': '<rootDir>/libs/$1/src$2' };
// Nest 12 ships ES modules; Jest (before Node 24.9) cannot require() them, so they are compiled to CommonJS here.
const transform = {
  '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  '^.+\\.[mc]?js$': ['babel-jest', { babelrc: false, configFile: false, plugins: ['./test/support/babel-import-meta.js', '@babel/plugin-transform-modules-commonjs'] }],
};
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|file-type|strtok3|token-types|@tokenizer|uint8array-extras)/)'];

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
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      moduleNameMapper,
      transform,
      transformIgnorePatterns,
      setupFiles: ['<rootDir>/test/support/setup-env.ts'],
    },
  ],
};
