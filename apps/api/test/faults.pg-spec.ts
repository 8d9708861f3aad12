import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { InvoiceEvent, ProtocolEvent } from '@operate/shared';
import request from 'supertest';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { ApiProcess } from './support/api-process.js';
import { TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from './support/config.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedTenants, type Tenants, type TestUser } from './support/fixtures.js';
import { PrivatePostgres, PrivateRedis, RedisProxy } from './support/servers.js';
import { connectAt, loginAt } from './support/remote.js';
import type { RecordingClient } from './support/socket-client.js';

jest.setTimeout(180_000);

const migrate = fileURLToPath(new URL('../dist/cli/migrate.js', import.meta.url));

/**
 * Faults injected into the real processes: the database restarted under load, Redis lost between two nodes, a
 * node's subscription gone silently deaf.
 */
describe('faults (PostgreSQL + Redis restarted under the API)', () => {
  const processes: ApiProcess[] = [];
  const clients: RecordingClient[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];

  const env = (databaseUrl: string, extra: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    JWT_ACCESS_SECRET: TEST_ACCESS_SECRET,
    JWT_REFRESH_SECRET: TEST_REFRESH_SECRET,
    LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '100000',
    HANDSHAKES_PER_ADDRESS_PER_SECOND: '100000',
    RELAY_LEADER_RETRY_MS: '200',
    RELAY_POLL_INTERVAL_MS: '100',
    ...extra,
  });

  async function start(environment: Record<string, string>): Promise<string> {
    const node = ApiProcess.start(environment);
    processes.push(node);
    return node.url();
  }

  const login = loginAt;
  const connect = (url: string, user: TestUser, cursor?: number) => connectAt(url, user, clients, cursor);

  /** Creates an invoice, retrying (as a client would) while the API answers 5xx or cannot be reached; bounded. */
  async function createInvoice(url: string, token: string, customerName: string, tally: { failures: number }): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await request(url)
        .post('/invoices')
        .set('authorization', `Bearer ${token}`)
        .send({ customerName, total: '10.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' })
        .then(
          (answer) => answer.status,
          () => 0,
        );
      if (response === 201) return;
      expect(response === 0 || response >= 500).toBe(true);
      tally.failures++;
      if (Date.now() > deadline) throw new Error(`${customerName}: still failing after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function committedIds(databaseUrl: string, prefix: string): Promise<string[]> {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    try {
      // Named in creation order (… 01, 02 …): sorted by name is the order they were written.
      const rows = await prisma.invoice.findMany({
        where: { customerName: { startsWith: prefix } },
        select: { id: true },
        orderBy: { customerName: 'asc' },
      });
      return rows.map((row) => row.id);
    } finally {
      await prisma.$disconnect();
    }
  }

  async function seed(databaseUrl: string): Promise<Tenants> {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    try {
      return await seedTenants(prisma);
    } finally {
      await prisma.$disconnect();
    }
  }

  /**
   * Two nodes on one database and one Redis, node 1 leading the relay; node 2 reaches Redis at the URL `via` gives
   * (Redis itself unless told). A client of organization A on node 2, and `create(from, to)` committing invoices
   * named `prefix NN` through node 1.
   */
  async function twoNodes(prefix: string, via: (redis: PrivateRedis) => Promise<string> = (redis) => Promise.resolve(redis.url)) {
    const testDatabase: TestDatabase = await createTestDatabase();
    cleanups.push(() => testDatabase.close());
    const redis = await PrivateRedis.create();
    cleanups.push(() => redis.stop());
    const node2Redis = await via(redis);
    const tenants = await seed(testDatabase.url);
    const url1 = await start(env(testDatabase.url, { REDIS_URL: redis.url }));
    await processes[0]!.waitForLog(/relay leader/);
    const url2 = await start(env(testDatabase.url, { REDIS_URL: node2Redis }));
    const onNode2 = await connect(url2, tenants.a2);
    const token = await login(url1, tenants.a1);
    const tally = { failures: 0 };
    const create = async (from: number, to: number) => {
      for (let i = from; i <= to; i++) await createInvoice(url1, token, `${prefix}${String(i).padStart(2, '0')}`, tally);
    };
    return { databaseUrl: testDatabase.url, redis, tenants, url1, url2, onNode2, tally, create };
  }

  const invoiceIds = (client: RecordingClient, ids: readonly string[]) =>
    client
      .ofType(InvoiceEvent.Created)
      .map((e) => e.payload.invoiceId)
      .filter((id) => ids.includes(id));

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(processes.splice(0).map((node) => node.stop()));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('PostgreSQL restarted mid-stream: writes are retried, every committed event is delivered once, none of a failed write', async () => {
    const database = await PrivatePostgres.create();
    cleanups.push(() => database.destroy());
    execFileSync(process.execPath, [migrate], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url }, stdio: 'ignore' });
    const tenants = await seed(database.url);
    const url = await start(env(database.url));
    const watcher = await connect(url, tenants.a2);
    const token = await login(url, tenants.a1);

    const tally = { failures: 0 };
    let restarted: Promise<void> | undefined;
    for (let i = 1; i <= 60; i++) {
      if (i === 20) {
        database.stop('fast');
        const health = await request(url).get('/health');
        expect(health.status).toBe(503);
        expect(health.body).toMatchObject({ code: 'unhealthy', checks: { database: { status: 'down' } } });
        expect((await request(url).get('/health/ready')).status).toBe(503);
        expect((await request(url).get('/health/live')).status).toBe(200);
        restarted = new Promise((resolve) =>
          setTimeout(() => {
            database.start();
            resolve();
          }, 1_500),
        );
      }
      await createInvoice(url, token, `PG fault ${String(i).padStart(2, '0')}`, tally);
    }
    await restarted;
    expect(tally.failures).toBeGreaterThan(0);

    // What the database holds is what the client must have: every committed invoice, once, in cursor order.
    const committed = await committedIds(database.url, 'PG fault ');
    expect(committed).toHaveLength(60);
    const deadline = Date.now() + 30_000;
    while (invoiceIds(watcher, committed).length < committed.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const received = invoiceIds(watcher, committed);
    expect([...received].sort()).toEqual([...committed].sort());
    const cursors = watcher.ofType(InvoiceEvent.Created).map((e) => e.cursor);
    expect(cursors.every((cursor, index) => index === 0 || cursor > cursors[index - 1]!)).toBe(true);
    expect(watcher.socket.connected).toBe(true);
    expect((await request(url).get('/health')).status).toBe(200);
  });

  it('Redis stopped between two nodes: both keep delivering from the database, degraded not down; all once, in order', async () => {
    const { databaseUrl, redis, tenants, url1, url2, onNode2, create } = await twoNodes('Redis fault ');

    await create(1, 10);
    const before = await committedIds(databaseUrl, 'Redis fault ');
    await onNode2.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === before.at(-1), 30_000);
    const cursorBefore = onNode2.lastCursor();

    // Questions in flight between the nodes when Redis dies (who is online asks every node through it): their
    // publishes fail with the connection, and that must not take a node down.
    const asker = await login(url2, tenants.a2);
    let asking = true;
    const questions = [url1, url2].map(async (url) => {
      const answers = new Set<string>();
      while (asking) {
        const batch = Array.from({ length: 20 }, () =>
          request(url)
            .get('/presence')
            .set('authorization', `Bearer ${asker}`)
            .then(
              (answer) => (answer.status === 200 ? '200' : `${answer.status} ${(answer.body as { code?: string }).code}`),
              (error: Error) => error.message,
            ),
        );
        for (const answer of await Promise.all(batch)) answers.add(answer);
      }
      return answers;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    asking = false;
    // Asked while Redis is away: a coded 503 at once, never a 500 (or no answer at all).
    for (const answers of await Promise.all(questions))
      expect([...answers].filter((answer) => answer !== '200' && answer !== '503 presence_unavailable')).toEqual([]);
    expect(processes.map((node) => node.child.exitCode)).toEqual([null, null]);
    for (const url of [url1, url2]) {
      const degraded = await request(url).get('/health');
      expect(degraded.status).toBe(200);
      expect(degraded.body).toMatchObject({ status: 'degraded', checks: { database: { status: 'up' }, redis: { status: 'down' } } });
      // Still in the load balancer's pool: it serves its own clients.
      expect((await request(url).get('/health/ready')).status).toBe(200);
    }
    await create(11, 30);
    // While Redis is away, node 2 (a follower) reads what the leader numbered from the database.
    const during = await committedIds(databaseUrl, 'Redis fault ');
    await onNode2.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === during.at(-1), 10_000);
    expect(invoiceIds(onNode2, during)).toEqual(during);
    await redis.start();
    const deadline = Date.now() + 30_000;
    while ((await request(url2).get('/health')).status !== 200 || (await request(url1).get('/health')).status !== 200) {
      if (Date.now() > deadline) throw new Error('the nodes did not reconnect to Redis within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await create(31, 40);

    const committed = await committedIds(databaseUrl, 'Redis fault ');
    expect(committed).toHaveLength(40);
    const last = committed.at(-1);
    // The client that stayed on node 2: everything, once, in order (the missed ones repaired from the stream).
    const stayed = Date.now() + 30_000;
    while (invoiceIds(onNode2, committed).length < committed.length && Date.now() < stayed)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect([...invoiceIds(onNode2, committed)].sort()).toEqual([...committed].sort());
    const cursors = onNode2.ofType(InvoiceEvent.Created).map((e) => e.cursor);
    expect(cursors.every((cursor, index) => index === 0 || cursor > cursors[index - 1]!)).toBe(true);

    // A client that was away for the whole outage resumes from before it and gets exactly what it missed.
    const resumed = await connect(url2, tenants.a2, cursorBefore);
    await resumed.waitFor(ProtocolEvent.Resumed, () => true, 30_000);
    await resumed.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === last, 30_000);
    const missed = committed.filter((id) => !before.includes(id));
    expect([...invoiceIds(resumed, committed)].sort()).toEqual([...missed].sort());
  });

  it('a follower whose subscription silently stops hearing Redis still gets every event, once, in order', async () => {
    let proxy: RedisProxy | undefined;
    // Node 2 reaches Redis through the proxy: its connections stay open and healthy-looking throughout.
    const { databaseUrl, url2, onNode2, tally, create } = await twoNodes('Deaf ', async (redis) => {
      proxy = await RedisProxy.create(redis.port);
      cleanups.push(() => proxy?.close());
      return proxy.url;
    });

    await create(1, 5);
    const heard = await committedIds(databaseUrl, 'Deaf ');
    await onNode2.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === heard.at(-1), 30_000);

    // The last events of a burst, and nothing after them that would reveal a gap: only the follower's own check can.
    proxy!.deafenSubscribers();
    await create(6, 10);
    const committed = await committedIds(databaseUrl, 'Deaf ');
    expect(committed).toHaveLength(10);
    await onNode2.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === committed.at(-1), 10_000);
    await processes[1]!.waitForLog(/did not arrive through Redis/, 1_000);
    expect(invoiceIds(onNode2, committed)).toEqual(committed);
    const cursors = onNode2.ofType(InvoiceEvent.Created).map((e) => e.cursor);
    expect(cursors.every((cursor, index) => index === 0 || cursor > cursors[index - 1]!)).toBe(true);
    expect(tally.failures).toBe(0);
    expect((await request(url2).get('/health')).status).toBe(200);
    // Its connections still deaf, node 2 stops cleanly (a half-open connection never answers a polite close).
    expect(await processes[1]!.stop()).toBe(0);
  });
});
