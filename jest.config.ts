import type { Config } from 'jest';

// One config for every package. Tests import packages by name and run their
// TypeScript sources through ts-jest; code that starts worker threads points
// them at the compiled dist/ files, which `npm test` builds first (tsc -b).
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/examples', '<rootDir>/benchmarks', '<rootDir>/scripts'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@erlmcp/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    // @erlmcp/mcp's role entries (client, server, hosting): src/<role>.ts.
    '^@erlmcp/mcp/(client|server|hosting)$': '<rootDir>/packages/mcp/src/$1.ts',
    '^@erlmcp/distribution/mcp$': '<rootDir>/packages/distribution/src/mcp.ts',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
    // arktype (a test-only dependency of mcp) ships ES modules only, which jest cannot require
    // on Node 20: they are compiled to CommonJS like our own sources.
    '/node_modules/(arktype|@ark/[a-z]+|arkregex)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(arktype|@ark/[a-z]+|arkregex)/)'],
  testTimeout: 60_000,
};

export default config;
