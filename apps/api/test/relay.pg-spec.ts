import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import pg from 'pg';
import { InvoiceEvent } from '@operate/shared';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { invoicePayload } from './support/fixtures.js';
import { recordingServer } from './support/recording-server.js';
import { startRelayModule } from './support/relay-module.js';
import { PrismaService } from '../src/prisma/prisma.service.js';
import { EventsService } from '../src/events/events.service.js';
import { RelayService } from '../src/events/delivery/relay.service.js';

// PostgreSQL only: PGlite runs one transaction at a time, so commits there cannot overtake each other.
describe('relay with concurrent transactions (PostgreSQL)', () => {
  let database: TestDatabase;
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let events: EventsService;
  let organizationId: string;
  const node = recordingServer();

  beforeAll(async () => {
    database = await createTestDatabase();
    moduleRef = await startRelayModule(database.url, node.server, { RELAY_POLL_INTERVAL_MS: '50' });
    prisma = moduleRef.get(PrismaService);
    events = moduleRef.get(EventsService);
    organizationId = (await prisma.organization.create({ data: { name: 'Concurrent', slug: `concurrent-${Date.now()}` } })).id;
  });

  afterAll(async () => {
    await moduleRef.close();
    await database.close();
  });

  it('delivers events of transactions that commit out of insertion order, skipping none', async () => {
    let releaseFirst: () => void = () => undefined;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstInserted: () => void = () => undefined;
    const firstHasInserted = new Promise<void>((resolve) => (firstInserted = resolve));

    // T1 inserts first (lower id), then stays open until T2 has committed and been delivered.
    const first = prisma.transaction(async (tx) => {
      await events.toOrganization(organizationId).emit(InvoiceEvent.Created, invoicePayload(organizationId, 'FIRST-INSERTED'), { tx });
      firstInserted();
      await firstMayCommit;
    });
    await firstHasInserted;
    await prisma.transaction(async (tx) => {
      await events.toOrganization(organizationId).emit(InvoiceEvent.Created, invoicePayload(organizationId, 'SECOND-INSERTED'), { tx });
    });
    await node.waitForCount(1);
    releaseFirst();
    await first;
    await node.waitForCount(2);

    const delivered = node.delivered.map((entry) => ({
      number: (entry.envelope.payload as { invoiceNumber: string }).invoiceNumber,
      cursor: entry.envelope.cursor as number,
    }));
    expect(delivered.map((entry) => entry.number)).toEqual(['SECOND-INSERTED', 'FIRST-INSERTED']);
    expect(delivered[1]!.cursor).toBe(delivered[0]!.cursor + 1);
    const seqs = await prisma.eventOutbox.findMany({ orderBy: { seq: 'asc' }, select: { payload: true } });
    expect(seqs.map((row) => (row.payload as { invoiceNumber: string }).invoiceNumber)).toEqual(['FIRST-INSERTED', 'SECOND-INSERTED']);
  });

  it('keeps every event of 40 concurrent transactions, each once, in increasing cursor order', async () => {
    node.delivered.length = 0;
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        prisma.transaction(async (tx) => {
          await events.toOrganization(organizationId).emit(InvoiceEvent.Created, invoicePayload(organizationId, `C-${index}`), { tx });
        }),
      ),
    );
    await node.waitForCount(40);
    const numbers = node.delivered.map((entry) => (entry.envelope.payload as { invoiceNumber: string }).invoiceNumber);
    expect(new Set(numbers).size).toBe(40);
    const cursors = node.delivered.map((entry) => entry.envelope.cursor as number);
    expect(cursors).toEqual(Array.from({ length: 40 }, (_, index) => cursors[0]! + index));
  });

  it('lets PostgreSQL clean up row versions while a second node waits to lead', async () => {
    const follower = await startRelayModule(database.url, recordingServer().server, { RELAY_LEADER_RETRY_MS: '5000' });
    const probe = new pg.Client({ connectionString: database.url });
    await probe.connect();
    const reports: string[] = [];
    probe.on('notice', (notice) => reports.push(notice.message ?? ''));
    /** Row versions VACUUM found dead but had to keep, from its VERBOSE report. */
    const vacuumNotRemovable = async (table: string): Promise<number> => {
      reports.length = 0;
      await probe.query(`VACUUM (VERBOSE) "${table}"`);
      const counts = reports.map((report) => /(\d+) are dead but not yet removable/.exec(report)).find(Boolean);
      if (!counts) throw new Error(`VACUUM reported no tuple counts: ${reports.join(' | ')}`);
      return Number(counts[1]);
    };
    try {
      // Long enough for the follower to have found the lock taken and to be waiting for it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(moduleRef.get(RelayService).isLeader).toBe(true);
      expect(follower.get(RelayService).isLeader).toBe(false);
      await probe.query('CREATE TABLE "VacuumProbe" (value integer)');
      await probe.query('INSERT INTO "VacuumProbe" VALUES (1)');
      await probe.query('UPDATE "VacuumProbe" SET value = 2');
      // A session waiting on the lock in a statement would hold a snapshot from before the update: the old
      // version would stay, dead but not removable, in this table and in every other one. VACUUM's own report
      // says so (the statistics views lag behind it). A statement's snapshot of a moment ago — the leader's
      // poll, the follower's try — is gone a moment later; a waiting follower's is not.
      let notRemovable = Number.NaN;
      for (let attempt = 0; attempt < 5 && notRemovable !== 0; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        notRemovable = await vacuumNotRemovable('VacuumProbe');
      }
      expect(notRemovable).toBe(0);
    } finally {
      await probe.query('DROP TABLE IF EXISTS "VacuumProbe"');
      await probe.end();
      await follower.close();
    }
  });
});

describe('waking the relay leader (PostgreSQL)', () => {
  let database: TestDatabase;
  let leader: TestingModule;
  let follower: TestingModule;
  let listener: pg.Client;
  let organizationId: string;
  const heard: string[] = [];
  const leaderNode = recordingServer();
  // A minute between polls: within a test, only a wake-up moves an event.
  const slowPoll = { RELAY_POLL_INTERVAL_MS: '60000', RELAY_LEADER_RETRY_MS: '5000' };
  const publishOn = (node: TestingModule, number: string) =>
    node.get(EventsService).toOrganization(organizationId).emit(InvoiceEvent.Created, invoicePayload(organizationId, number));

  beforeAll(async () => {
    database = await createTestDatabase();
    leader = await startRelayModule(database.url, leaderNode.server, slowPoll);
    // The follower starts once the lock is taken: started together, either could win it.
    const deadline = Date.now() + 10_000;
    while (!leader.get(RelayService).isLeader) {
      if (Date.now() > deadline) throw new Error('the first relay did not take the leader lock');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    follower = await startRelayModule(database.url, recordingServer().server, slowPoll);
    listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', ({ channel }) => heard.push(channel));
    await listener.query('LISTEN operate_outbox');
    const prisma = leader.get(PrismaService);
    organizationId = (await prisma.organization.create({ data: { name: 'Wake', slug: `wake-${Date.now()}` } })).id;
  });

  afterAll(async () => {
    await listener.end();
    await follower.close();
    await leader.close();
    await database.close();
  });

  it('drains commits on its own node at once, with no NOTIFY from the publishing transactions', async () => {
    expect(leader.get(RelayService).isLeader).toBe(true);
    expect(follower.get(RelayService).isLeader).toBe(false);
    for (const number of ['L-1', 'L-2', 'L-3']) await publishOn(leader, number);
    await leaderNode.waitForCount(3);
    // A round trip on the listening session: a NOTIFY sent by those commits would have reached it before the answer.
    await listener.query('SELECT 1');
    expect(heard).toEqual([]);
  });

  it("is woken by another node's commits: every one of them is delivered, long before its next poll", async () => {
    const before = leaderNode.delivered.length;
    await Promise.all(Array.from({ length: 20 }, (_, index) => publishOn(follower, `F-${index + 1}`)));
    await leaderNode.waitForCount(before + 20);
    const numbers = leaderNode.delivered.slice(before).map((entry) => (entry.envelope.payload as { invoiceNumber: string }).invoiceNumber);
    expect(numbers.sort()).toEqual(Array.from({ length: 20 }, (_, index) => `F-${index + 1}`).sort());
    // The follower's wake-ups, one at a time: fewer than its commits when they overlap, never none.
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThanOrEqual(20);
  });
});
