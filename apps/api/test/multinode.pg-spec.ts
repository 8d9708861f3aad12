import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PrismaPg } from '@prisma/adapter-pg';
import { ErrorCode, FamilyEvent, InvoiceEvent, PresenceEvent, ProtocolEvent, type PresenceView } from '@operate/shared';
import { createClient } from 'redis';
import request from 'supertest';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { ApiProcess } from './support/api-process.js';
import { TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from './support/config.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedTenants, seedUser, type Tenants, type TestUser } from './support/fixtures.js';
import { connectAt, createInvoiceAt, loginAt, metricAt, signInAt, TEST_METRICS_SECRET } from './support/remote.js';
import { RecordingClient } from './support/socket-client.js';

jest.setTimeout(180_000);

/** This node's `operate_relay_leader` (1 leads, 0 waits). */
const leads = (url: string) => metricAt(url, 'operate_relay_leader');

/** Two API processes on one PostgreSQL, joined through Redis, as in production. */
describe('several API nodes (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let tenants: Tenants;
  let visitor: TestUser;
  let traveller: TestUser;
  let node1: ApiProcess;
  let node2: ApiProcess;
  let url1: string;
  let url2: string;
  const clients: RecordingClient[] = [];

  const redisUrl = process.env.OPERATE_TEST_REDIS_URL;
  const env = () => ({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl ?? '',
    JWT_ACCESS_SECRET: TEST_ACCESS_SECRET,
    JWT_REFRESH_SECRET: TEST_REFRESH_SECRET,
    // Far above the 250 ms a takeover may take: a follower must not take over by retrying, but when the lock frees.
    RELAY_LEADER_RETRY_MS: '5000',
    PRESENCE_SETTLE_MS: '50',
    PRESENCE_OFFLINE_GRACE_MS: '500',
    LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '100000',
    HANDSHAKES_PER_ADDRESS_PER_SECOND: '100000',
    METRICS_SECRET: TEST_METRICS_SECRET,
  });

  const login = loginAt;
  const connect = (url: string, user: TestUser, cursor?: number) => connectAt(url, user, clients, cursor);

  beforeAll(async () => {
    if (!redisUrl) throw new Error('OPERATE_TEST_REDIS_URL is not set: run through scripts/test-postgres.sh');
    database = await createTestDatabase();
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    tenants = await seedTenants(prisma);
    // Nobody else connects as this user: the presence test sees them come and go from the start.
    visitor = await seedUser(prisma, { name: 'visitor', organizationId: tenants.orgA });
    traveller = await seedUser(prisma, { name: 'traveller', organizationId: tenants.orgB });
    await prisma.$disconnect();
    // Node 1 starts first and so leads the relay; node 2 waits for the lock.
    node1 = ApiProcess.start(env());
    url1 = await node1.url();
    await node1.waitForLog(/relay leader/);
    node2 = ApiProcess.start(env());
    url2 = await node2.url();
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all([node1?.stop(), node2?.stop()]);
    await database?.close();
  });

  it('delivers an event published on node 1 to a client on node 2 exactly once', async () => {
    const onNode2 = await connect(url2, tenants.a1);
    const onNode1 = await connect(url1, tenants.a2);
    const token = await login(url1, tenants.a1);
    const invoice = await createInvoiceAt(url1, token, 'Cross node');
    const sentinel = await createInvoiceAt(url1, token, 'Sentinel');
    for (const client of [onNode2, onNode1]) {
      await client.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === sentinel.invoiceId, 30_000);
      expect(client.ofType(InvoiceEvent.Created).filter((e) => e.payload.invoiceId === invoice.invoiceId)).toHaveLength(1);
    }
    expect(node2.output).not.toMatch(/relay leader/);
  });

  it('sends a node only the events of rooms its sockets are in: none of an organization nobody there belongs to', async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    const fresh = await seedTenants(prisma);
    await prisma.$disconnect();
    const onNode1 = await connect(url1, fresh.a2);
    const onNode2 = await connect(url2, fresh.b1);
    const routed = () => metricAt(url2, 'operate_events_routed_total', { type: InvoiceEvent.Created });
    const before = await routed();
    const tokenA = await login(url1, fresh.a1);
    const elsewhere: { invoiceId: string }[] = [];
    for (let i = 1; i <= 5; i++) elsewhere.push(await createInvoiceAt(url1, tokenA, `Only node 1 ${i}`));
    const mine = await createInvoiceAt(url1, await login(url1, fresh.b1), 'For node 2');
    await onNode1.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === elsewhere.at(-1)?.invoiceId, 30_000);
    await onNode2.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === mine.invoiceId, 30_000);
    expect(onNode2.ofType(InvoiceEvent.Created).map((e) => e.payload.invoiceId)).toEqual([mine.invoiceId]);
    // Node 2 was sent organization B's invoice and none of organization A's.
    expect((await routed()) - before).toBe(1);
  });

  it('keeps a node with none of the rooms up to date by a watermark an interval: it never reads the stream meanwhile', async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    const fresh = await seedTenants(prisma);
    await prisma.$disconnect();
    const onNode1 = await connect(url1, fresh.a2);
    const repaired = () => metricAt(url2, 'operate_events_repaired_total', { found: 'behind' });
    const before = await repaired();
    const token = await login(url1, fresh.a1);
    // A steady stream over several of node 2's checks (one each RELAY_POLL_INTERVAL_MS, 500 ms), none of it for node 2.
    let last = await createInvoiceAt(url1, token, 'Steady');
    for (const until = Date.now() + 3_000; Date.now() < until;) last = await createInvoiceAt(url1, token, 'Steady');
    await onNode1.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === last.invoiceId, 30_000);
    // Two more checks: what the stream's end owed node 2 is due at them.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Every check found node 2 had heard what the leader had sent by then: no read to repair a watermark late.
    expect((await repaired()) - before).toBe(0);
  });

  it("routes a family's events to a member's node from the moment a membership change adds them there", async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    const fresh = await seedTenants(prisma);
    await prisma.$disconnect();
    const owner = await login(url1, fresh.a1);
    const as = (method: 'post' | 'patch', path: string, body: object) =>
      request(url1)[method](path).set('authorization', `Bearer ${owner}`).send(body);
    const familyId = ((await as('post', '/families', { name: 'Across nodes' }).expect(201)).body as { familyId: string }).familyId;
    // Not a member yet when it connects: the family's room is not among its rooms, nor routed to node 2.
    const onNode2 = await connect(url2, fresh.b1);
    await as('post', `/families/${familyId}/members`, { email: fresh.b1.email, role: 'VIEWER' }).expect(201);
    await onNode2.waitFor(FamilyEvent.MemberChanged, (e) => e.payload.familyId === familyId && e.payload.change === 'added', 30_000);
    // A change only the family's room hears: it reaches the new member on the other node.
    await as('post', `/families/${familyId}/members`, { email: fresh.a2.email, role: 'VIEWER' }).expect(201);
    await onNode2.waitFor(FamilyEvent.MemberChanged, (e) => e.payload.familyId === familyId && e.payload.userId === fresh.a2.id, 30_000);
  });

  it('knows who is online across nodes: one person with a tab on each, offline only when both are gone', async () => {
    const watcher = await connect(url2, tenants.a1);
    const token = await login(url1, tenants.a1);
    const presence = async (url: string) =>
      ((await request(url).get('/presence').set('authorization', `Bearer ${token}`).expect(200)).body as PresenceView).online;
    const onNode1 = await connect(url1, visitor);
    const onNode2 = await connect(url2, visitor);
    await watcher.waitFor(
      PresenceEvent.Changed,
      (e) => e.payload.changes.some((change) => change.userId === visitor.id && change.online),
      30_000,
    );
    for (const url of [url1, url2]) expect((await presence(url)).find((entry) => entry.userId === visitor.id)?.connections).toBe(2);
    // Let node 2 look at its new tab first (PRESENCE_SETTLE_MS): it finds node 1's tab older and stays quiet.
    // Closed before that, node 2's tab would be the person's only one and be announced again (harmless, not tested).
    await new Promise((resolve) => setTimeout(resolve, 500));

    onNode1.close();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    for (const url of [url1, url2]) expect((await presence(url)).find((entry) => entry.userId === visitor.id)?.connections).toBe(1);
    const visitorChanges = () =>
      watcher
        .ofType(PresenceEvent.Changed)
        .flatMap((e) => e.payload.changes)
        .filter((change) => change.userId === visitor.id);
    expect(visitorChanges().map((change) => change.online)).toEqual([true]);

    onNode2.close();
    await watcher.waitFor(
      PresenceEvent.Changed,
      (e) => e.payload.changes.some((change) => change.userId === visitor.id && !change.online),
      30_000,
    );
    for (const url of [url1, url2]) expect((await presence(url)).map((entry) => entry.userId)).not.toContain(visitor.id);
  });

  it("answers another node's question to that node alone, not on the channel every node hears", async () => {
    const general = 'operate:socket.io-response#/#';
    const heard = { byEveryNode: 0, byTheAsker: 0 };
    const listener = createClient({ url: redisUrl });
    await listener.connect();
    try {
      await listener.subscribe(general, () => heard.byEveryNode++);
      // A node's own channel: the general one with the node's 6-character id.
      await listener.pSubscribe(`${general}??????#`, () => heard.byTheAsker++);
      const onNode2 = await connect(url2, tenants.a2);
      const token = await login(url1, tenants.a1);
      // Node 1 asks node 2 who of organization A is online there.
      const online = ((await request(url1).get('/presence').set('authorization', `Bearer ${token}`).expect(200)).body as PresenceView)
        .online;
      expect(online.map((entry) => entry.userId)).toContain(tenants.a2.id);
      // Node 2's answer reached node 1; once it has reached this listener too, nothing came on the general channel.
      for (const until = Date.now() + 5_000; heard.byTheAsker === 0 && Date.now() < until;)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard.byTheAsker).toBeGreaterThan(0);
      expect(heard.byEveryNode).toBe(0);
      onNode2.close();
    } finally {
      await listener.quit();
    }
  });

  it('ends a session on every node: logout on node 1 cuts its sockets on both nodes within 1 s, nothing else', async () => {
    const leaving = await signInAt(url1, traveller);
    const staying = await signInAt(url2, traveller);
    const cut = [await RecordingClient.connect(url1, leaving.accessToken), await RecordingClient.connect(url2, leaving.accessToken)];
    const kept = await RecordingClient.connect(url2, staying.accessToken);
    clients.push(...cut, kept);

    const started = Date.now();
    await request(url1).post('/auth/logout').set('authorization', `Bearer ${leaving.accessToken}`).expect(204);
    await Promise.all(
      cut.map(async (client) => {
        await client.waitFor(ProtocolEvent.Error, (e) => e.payload.code === ErrorCode.SessionRevoked, 1_000);
        expect(await client.disconnected(1_000)).toBe('io server disconnect');
      }),
    );
    expect(Date.now() - started).toBeLessThan(1_000);

    // Refused on both nodes, over HTTP and at the handshake; the same person's other session lives on.
    for (const url of [url1, url2]) {
      const refused = await request(url).get('/auth/me').set('authorization', `Bearer ${leaving.accessToken}`).expect(401);
      expect(refused.body).toMatchObject({ code: 'session_revoked' });
      expect((await RecordingClient.refusal(url, { token: leaving.accessToken })).message).toBe('session_revoked');
    }
    await request(url2).post('/auth/refresh').send({ refreshToken: leaving.refreshToken }).expect(401);
    expect(kept.socket.connected).toBe(true);
    await request(url1).get('/auth/me').set('authorization', `Bearer ${staying.accessToken}`).expect(200);
  });

  it('ends every session on every node with logout-all, and a reused refresh token ends its session on both', async () => {
    const one = await signInAt(url1, traveller);
    const two = await signInAt(url2, traveller);
    const sockets = [
      await RecordingClient.connect(url2, one.accessToken),
      await RecordingClient.connect(url1, two.accessToken),
      await RecordingClient.connect(url2, two.accessToken),
    ];
    clients.push(...sockets);
    await request(url2).post('/auth/logout-all').set('authorization', `Bearer ${one.accessToken}`).expect(204);
    for (const client of sockets) await client.waitFor(ProtocolEvent.Error, (e) => e.payload.code === ErrorCode.SessionRevoked, 1_000);

    const thief = await signInAt(url1, traveller);
    const victim = await RecordingClient.connect(url2, thief.accessToken);
    clients.push(victim);
    const rotated = await request(url1).post('/auth/refresh').send({ refreshToken: thief.refreshToken }).expect(200);
    expect(rotated.body).toHaveProperty('refreshToken');
    const reused = await request(url2).post('/auth/refresh').send({ refreshToken: thief.refreshToken }).expect(401);
    expect(reused.body).toMatchObject({ code: 'refresh_token_reused' });
    await victim.waitFor(ProtocolEvent.Error, (e) => e.payload.code === ErrorCode.SessionRevoked, 1_000);
  });

  it('loses nothing when the leading node is killed mid-stream: clients resume on the survivor with no gaps', async () => {
    const onKilled = await connect(url1, tenants.a1);
    const onSurvivor = await connect(url2, tenants.a2);
    const token = await login(url2, tenants.a1);
    const names = Array.from({ length: 120 }, (_, index) => `Stream ${String(index + 1).padStart(3, '0')}`);
    const ids: string[] = [];
    let killedAt = 0;
    for (const [index, name] of names.entries()) {
      if (index === 40) {
        // Mid-stream, without warning: its sockets drop and its relay leadership ends with its session.
        await onKilled.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === ids[5], 30_000);
        killedAt = performance.now();
        await node1.stop('SIGKILL');
      }
      ids.push((await createInvoiceAt(url2, token, name)).invoiceId);
    }
    // The survivor takes over the relay: its own client gets the whole stream, in order, once each.
    await onSurvivor.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === ids.at(-1), 60_000);
    const survivorIds = onSurvivor
      .ofType(InvoiceEvent.Created)
      .map((e) => e.payload.invoiceId)
      .filter((id) => ids.includes(id));
    expect(survivorIds).toEqual(ids);
    // It took over as soon as PostgreSQL saw the dead leader's session end, not at a retry.
    const takeoverMs = (await node2.timeOfLog(/this node is the relay leader/)) - killedAt;
    expect(takeoverMs).toBeLessThanOrEqual(250);

    // The client of the killed node reconnects to the survivor with its last cursor.
    const before = onKilled
      .ofType(InvoiceEvent.Created)
      .map((e) => e.payload.invoiceId)
      .filter((id) => ids.includes(id));
    expect(before.length).toBeGreaterThan(5);
    const resumed = await connect(url2, tenants.a1, onKilled.lastCursor());
    const confirmation = await resumed.waitFor(ProtocolEvent.Resumed, () => true, 30_000);
    const after = resumed.ofType(InvoiceEvent.Created).map((e) => e.payload.invoiceId);
    expect([...before, ...after]).toEqual(ids);
    // Besides the invoices it missed: presence changes of the organization (the killed node's people).
    const replayedPresence = resumed.received
      .slice(0, resumed.received.indexOf(confirmation))
      .filter((e) => e.type === PresenceEvent.Changed).length;
    expect(confirmation.payload.replayed).toBe(ids.length - before.length + replayedPresence);
    const cursors = [...onKilled.ofType(InvoiceEvent.Created), ...resumed.ofType(InvoiceEvent.Created)].map((e) => e.cursor);
    expect(cursors.every((cursor, index) => index === 0 || cursor > cursors[index - 1]!)).toBe(true);
  });

  it('hands the relay over at once when the leader shuts down gracefully, and says which node leads', async () => {
    const node3 = ApiProcess.start(env());
    try {
      const url3 = await node3.url();
      await node3.waitForLog(/this node waits to take over/);
      expect(await leads(url2)).toBe(1);
      expect(await leads(url3)).toBe(0);
      const watcher = await connect(url3, tenants.a2);
      const stoppedAt = performance.now();
      const stopping = node2.stop('SIGTERM');
      const takeoverMs = (await node3.timeOfLog(/this node is the relay leader/)) - stoppedAt;
      await stopping;
      expect(takeoverMs).toBeLessThanOrEqual(250);
      expect(node2.output).toMatch(/this node no longer leads the relay/);
      expect(await leads(url3)).toBe(1);
      // And it relays: an invoice created on the new leader reaches its client.
      const token = await login(url3, tenants.a1);
      const invoice = await createInvoiceAt(url3, token, 'After the handover');
      await watcher.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === invoice.invoiceId, 10_000);
    } finally {
      await node3.stop();
    }
  });
});
