import type { Config } from 'jest';

// ESM Jest (NestJS 12 is ESM-only): run with `node --experimental-vm-modules`; swc compiles TypeScript.
const swc: [string, Record<string, unknown>] = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import siblings as `./x.js` (nodenext); Jest resolves the `.ts` file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

// The dashboard's hooks and components: React in jsdom, with the realtime client on a fake socket.
const web = {
  testEnvironment: 'jsdom',
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  transform: {
    '^.+\\.tsx?$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: { '^@/(.*)$': '<rootDir>/src/$1' },
};

// The database tier runs on embedded PGlite by default, on PostgreSQL when scripts/test-postgres.sh sets the URL.
const config: Config = {
  // Set here: a project's own testTimeout is ignored.
  testTimeout: 30_000,
  projects: [
    { ...base, displayName: 'shared', rootDir: '<rootDir>/packages/shared', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    // The benchmark's raw Engine.IO client against a real socket.io server (the benchmark itself is `pnpm bench`).
    { ...base, displayName: 'bench', rootDir: '<rootDir>/bench', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...web, displayName: 'web', rootDir: '<rootDir>/apps/web', testMatch: ['<rootDir>/src/**/*.spec.{ts,tsx}'] },
    { ...base, displayName: 'api-unit', rootDir: '<rootDir>/apps/api', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...base,
      // Medium (real database, fake edges) and e2e (the app on port 0, real socket.io clients).
      displayName: process.env.OPERATE_TEST_POSTGRES_URL ? 'api-db (postgresql)' : 'api-db (pglite)',
      rootDir: '<rootDir>/apps/api',
      testMatch: [
        '<rootDir>/test/**/*.medium-spec.ts',
        '<rootDir>/test/**/*.e2e-spec.ts',
        // Several API processes on one database, joined through Redis: only PostgreSQL serves several processes.
        ...(process.env.OPERATE_TEST_POSTGRES_URL ? ['<rootDir>/test/**/*.pg-spec.ts'] : []),
      ],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    // The dashboard in Debian's chromium against the built API (killed and restarted mid-test) and Next.js server.
    ...(process.env.OPERATE_TEST_POSTGRES_URL
      ? [{ ...base, displayName: 'web-browser', rootDir: '<rootDir>/apps/web', testMatch: ['<rootDir>/test/**/*.pg-spec.ts'] }]
      : []),
  ],
};

export default config;
