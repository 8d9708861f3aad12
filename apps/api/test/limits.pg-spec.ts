import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { PrismaService, statement } from '../src/prisma/prisma.service.js';
import { ApiProcess } from './support/api-process.js';
import { TEST_ACCESS_SECRET, TEST_REFRESH_SECRET, testConfig } from './support/config.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedTenants, seedUser, TEST_PASSWORD, type Tenants } from './support/fixtures.js';
import { requestFrom } from './support/remote.js';

jest.setTimeout(120_000);

/** Limits that hold across API processes (Redis), and the timeouts PostgreSQL enforces. */
describe('limits across nodes, and database timeouts (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let tenants: Tenants;
  let nodes: ApiProcess[] = [];
  let urls: string[] = [];
  const redisUrl = process.env.OPERATE_TEST_REDIS_URL;

  beforeAll(async () => {
    if (!redisUrl) throw new Error('OPERATE_TEST_REDIS_URL is not set: run through scripts/test-postgres.sh');
    database = await createTestDatabase();
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    tenants = await seedTenants(prisma);
    await prisma.$disconnect();
    const env = {
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      // Its own keys: other test files share this Redis and the address 127.0.0.1.
      REDIS_KEY_PREFIX: `limits-${randomBytes(4).toString('hex')}`,
      JWT_ACCESS_SECRET: TEST_ACCESS_SECRET,
      JWT_REFRESH_SECRET: TEST_REFRESH_SECRET,
      LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '6',
      LOGIN_FAILURES_PER_EMAIL_PER_MINUTE: '4',
    };
    nodes = [ApiProcess.start(env), ApiProcess.start(env)];
    urls = await Promise.all(nodes.map((node) => node.url()));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await database?.close();
  });

  const signIn = (node: number, address: string, email: string, password: string) =>
    requestFrom(address, urls[node] ?? '', 'POST', '/auth/login', { email, password });

  it('gives one address one sign-in budget across both nodes, not one per node', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++)
      statuses.push((await signIn(attempt % 2, '127.0.0.20', `${randomUUID()}@nobody.test`, 'guess')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
  });

  it('counts an account’s failed sign-ins on both nodes together', async () => {
    const victim = await seedUser(new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) }), {
      name: 'victim',
      organizationId: tenants.orgA,
    });
    for (const [node, address] of [
      [0, '127.0.0.21'],
      [1, '127.0.0.22'],
      [0, '127.0.0.23'],
      [1, '127.0.0.24'],
    ] as const)
      expect((await signIn(node, address, victim.email, 'guess')).status).toBe(401);
    expect((await signIn(0, '127.0.0.25', victim.email, TEST_PASSWORD)).status).toBe(429);
    expect((await signIn(1, '127.0.0.25', victim.email, TEST_PASSWORD)).status).toBe(429);
    expect((await signIn(1, '127.0.0.25', tenants.a1.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('has PostgreSQL end a statement that runs too long, and a transaction left idle', async () => {
    const config = testConfig(database.url, { DATABASE_STATEMENT_TIMEOUT_MS: '300', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '300' });
    const prisma = new PrismaService(database.url, config);
    try {
      const started = Date.now();
      await expect(prisma.rows('SELECT pg_sleep(3)', [])).rejects.toMatchObject({ code: '57014' });
      expect(Date.now() - started).toBeLessThan(2_500);
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT 1`;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          await tx.$queryRaw`SELECT 2`;
        }),
      ).rejects.toThrow();
      // The pool goes on serving.
      expect(await prisma.rows<{ one: number }>('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
    } finally {
      await prisma.onApplicationShutdown();
    }
  });

  it('prepares a hot statement once per pooled connection, and never past a transaction-mode pooler', async () => {
    const probe = statement('operate_spec_probe', 'SELECT $1::int + 1 AS n');
    const direct = new PrismaService(database.url, testConfig(database.url, { DATABASE_POOL_SIZE: '1' }));
    // RELAY_DATABASE_URL set: DATABASE_URL is taken to go through PgBouncer in transaction mode.
    const pooled = new PrismaService(database.url, testConfig(database.url, { DATABASE_POOL_SIZE: '1', RELAY_DATABASE_URL: database.url }));
    try {
      for (const prisma of [direct, pooled])
        for (const n of [1, 2, 3]) expect(await prisma.rows<{ n: number }>(probe, [n])).toEqual([{ n: n + 1 }]);
      // One connection each: the same session the probe ran on.
      const prepared = (prisma: PrismaService) => prisma.rows<{ name: string }>('SELECT name FROM pg_prepared_statements', []);
      expect(await prepared(direct)).toEqual([{ name: 'operate_spec_probe' }]);
      expect(await prepared(pooled)).toEqual([]);
    } finally {
      await Promise.all([direct.onApplicationShutdown(), pooled.onApplicationShutdown()]);
    }
  });
});
