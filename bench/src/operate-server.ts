/**
 * Operate under test: the real API (createApp, as main.ts boots it) with its gateway, JWT handshake,
 * rooms, replay, outbox and relay, on PostgreSQL (BENCH_DATABASE_URL) or the embedded PGlite. The bench
 * adds only its drivers: organizations and users, and loads offered at a fixed rate.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, createLogger } from '@operate/api/app.factory.js';
import { TokenService } from '@operate/api/auth/token.service.js';
import { loadConfig } from '@operate/api/config/config.js';
import { EventBus } from '@operate/api/events/delivery/event-bus.js';
import { EventFanout } from '@operate/api/events/delivery/fanout.service.js';
import { RelayService } from '@operate/api/events/delivery/relay.service.js';
import { EventsService } from '@operate/api/events/events.service.js';
import type { BusMessage } from '@operate/api/events/delivery/outbox.repository.js';
import { SocketServerRef } from '@operate/api/events/gateway/socket-server.ref.js';
import { InvoicesService } from '@operate/api/modules/finance/invoices.service.js';
import { Metrics } from '@operate/api/operations/metrics.service.js';
import { openDatabase } from '@operate/api/prisma/database.js';
import { applyMigrations } from '@operate/api/prisma/migrator.js';
import { PrismaService } from '@operate/api/prisma/prisma.service.js';
import { InvoiceEvent, rooms, type EventEnvelope } from '@operate/shared';
import type { DashboardSpec } from './dashboards.js';
import { serve } from './ipc.js';
import { pace } from './pace.js';
import {
  CommitLoad,
  invoicePayload,
  listenAlso,
  ORGANIZATIONS,
  OrganizationCycle,
  processUsage,
  USERS_PER_ORGANIZATION,
  type ClientSpec,
  type ExtraListeners,
  type LoadResult,
  type ServerUnderTest,
  WindowProfiler,
} from './workload.js';

const databaseUrl = process.env.BENCH_DATABASE_URL;
const dataDir = databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'operate-bench-pglite-'));
const secret = () => randomBytes(32).toString('hex');
const config = loadConfig({
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  JWT_ACCESS_SECRET: secret(),
  JWT_REFRESH_SECRET: secret(),
  PAYMENT_WEBHOOK_SECRET: secret(),
  ACCESS_TOKEN_TTL_SECONDS: '3600',
  // The load generator is one address standing in for thousands of people's.
  HANDSHAKES_PER_ADDRESS_PER_SECOND: '100000',
  PENDING_CONNECTIONS_PER_ADDRESS: '100000',
  // For experiments only (e.g. how the replay memory weighs on GC); unset, the API's default applies.
  REPLAY_BUFFER_EVENTS: process.env.BENCH_REPLAY_BUFFER_EVENTS,
  PRESENCE_SETTLE_MS: process.env.BENCH_PRESENCE_SETTLE_MS,
  PRESENCE_OFFLINE_GRACE_MS: process.env.BENCH_PRESENCE_OFFLINE_GRACE_MS,
  // The cross-node scenario: several of these processes joined through Redis, as several API nodes are.
  REDIS_URL: process.env.BENCH_REDIS_URL || undefined,
  RELAY_NODES_FLUSH_MS: process.env.BENCH_NODES_FLUSH_MS,
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DATA_DIR: dataDir }),
});
const database = await openDatabase(config.database);
await applyMigrations(database.url);
const app = await createApp({ config, databaseUrl: database.url, logger: createLogger(config, ['error', 'warn']) });
const prisma = app.get(PrismaService);
const tokens = app.get(TokenService, { strict: false });
const invoices = app.get(InvoicesService, { strict: false });
const bus = app.get(EventBus, { strict: false });
const events = app.get(EventsService, { strict: false });
const fanout = app.get(EventFanout, { strict: false });
const serverRef = app.get(SocketServerRef, { strict: false });
const relay = app.get(RelayService, { strict: false });
const metrics = app.get(Metrics, { strict: false });

interface Member {
  readonly id: string;
  readonly organizationId: string;
  readonly role: 'OWNER' | 'MEMBER';
  /** The member's one signed-in session, which their token names. */
  readonly sessionId: string;
}

/** 1,000 organizations × 5 users, written directly (nobody logs in: tokens are issued below). */
async function seed(): Promise<Member[]> {
  const organizations = Array.from({ length: ORGANIZATIONS }, (_, index) => ({
    id: randomUUID(),
    name: `Bench organization ${index + 1}`,
    slug: `bench-${index + 1}`,
  }));
  const members: Member[] = organizations.flatMap(({ id: organizationId }) =>
    Array.from({ length: USERS_PER_ORGANIZATION }, (_, index) => ({
      id: randomUUID(),
      organizationId,
      role: index === 0 ? ('OWNER' as const) : ('MEMBER' as const),
      sessionId: randomUUID(),
    })),
  );
  const now = new Date();
  await insertRows(
    'Organization',
    { id: 'uuid', name: 'text', slug: 'text', updatedAt: 'timestamptz' },
    organizations.map(({ id, name, slug }) => [id, name, slug, now]),
  );
  await insertUsers(
    members.map((member, index) => ({ ...member, email: `user${index + 1}@bench.operate.test`, name: `Bench user ${index + 1}` })),
  );
  await insertSessions(members);
  return members;
}

/**
 * The bench's own rows go in through the driver, one statement a table, not through Prisma's client: Prisma
 * keeps the arguments of its last hundred debug calls, so a bulk insert of thousands of rows would stay in the
 * heap of the server under test (tens of megabytes that every full collection marks) for as long as it runs.
 */
async function insertRows(table: string, columns: Record<string, string>, rows: readonly unknown[][]): Promise<void> {
  const names = Object.keys(columns);
  const arrays = Object.values(columns).map((type, index) => `$${index + 1}::${type}[]`);
  await prisma.rows(
    `INSERT INTO "${table}" (${names.map((name) => `"${name}"`).join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})`,
    names.map((_, index) => rows.map((row) => row[index])),
  );
}

/** Users who only ever hold tokens issued here: their password hash is not a hash of any password. */
function insertUsers(users: readonly (Member & { readonly email: string; readonly name: string })[]): Promise<void> {
  const now = new Date();
  return insertRows(
    'User',
    { id: 'uuid', organizationId: 'uuid', email: 'text', name: 'text', role: '"Role"', passwordHash: 'text', updatedAt: 'timestamptz' },
    users.map((user) => [user.id, user.organizationId, user.email, user.name, user.role, '!', now]),
  );
}

/** Each member's one signed-in session, valid as long as a refresh token lives. */
function insertSessions(people: readonly Member[]): Promise<void> {
  const expiresAt = new Date(Date.now() + config.jwt.refreshTtlSeconds * 1000);
  return insertRows(
    'Session',
    { id: 'uuid', userId: 'uuid', expiresAt: 'timestamptz' },
    people.map((person) => [person.sessionId, person.id, expiresAt]),
  );
}

/** BENCH_SEED=0: a further node of a cluster another process seeded; it has no people of its own. */
const members = process.env.BENCH_SEED === '0' ? [] : await seed();
const owners = new Map(members.filter((member) => member.role === 'OWNER').map((member) => [member.organizationId, member]));
const organizations = [...owners.keys()];
const cycle = new OrganizationCycle(organizations);
let sequence = 0;

/** One committed event per write: EventsService.publish in its own transaction, as any feature's publish without `tx`. */
async function publishTo(organizationId: string, sequence: number): Promise<string> {
  const invoiceId = randomUUID();
  await events.toOrganization(organizationId).emit(InvoiceEvent.Created, invoicePayload(invoiceId, organizationId, sequence, new Date()));
  return invoiceId;
}
const eventLoad = new CommitLoad(organizations, publishTo);

/** An invoice created as POST /invoices creates it for `owner`: InvoicesService.create, the whole transaction. */
async function createInvoiceAs(owner: Member): Promise<string> {
  const caller = {
    userId: owner.id,
    organizationId: owner.organizationId,
    role: owner.role,
    sessionId: owner.sessionId,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
  const invoice = await invoices.create(caller, {
    customerName: 'Globex Corporation',
    total: '1250.00',
    currency: 'EUR',
    dueAt: '2026-12-31T00:00:00.000Z',
  });
  return invoice.invoiceId;
}

/** A feature's whole transaction: InvoicesService.create (number, invoice row, event) as POST /invoices runs it. */
const serviceLoad = new CommitLoad(organizations, async (organizationId) => {
  const owner = owners.get(organizationId);
  if (!owner) throw new Error(`no owner for organization ${organizationId}`);
  return createInvoiceAs(owner);
});
let running: CommitLoad | undefined;

/** Scenario 1's events enter where the relay hands committed events to this node: the bus, with real cursors. */
function fanoutBatch(count: number, at: Date): void {
  let cursor = fanout.lastCursor;
  const messages: BusMessage[] = [];
  for (let i = 0; i < count; i++) {
    const organizationId = cycle.take();
    const envelope: EventEnvelope<typeof InvoiceEvent.Created> = {
      id: randomUUID(),
      type: InvoiceEvent.Created,
      occurredAt: at.toISOString(),
      cursor: ++cursor,
      payload: invoicePayload(randomUUID(), organizationId, ++sequence, at),
    };
    messages.push({ audiences: [rooms.organization(organizationId)], envelope });
  }
  bus.publish(messages);
}

const profiler = new WindowProfiler();
let others: ExtraListeners | undefined;

/** The big-organization scenario: one organization of `size` people (its owner creates the invoices). */
interface BigOrganization {
  readonly organizationId: string;
  readonly owner: Member;
}
let bigOrganization: BigOrganization | undefined;

/** What only Operate offers the orchestrator: the big-organization and cross-node scenarios' drivers. */
interface OperateOnlyServer {
  /** This node's organizations, for another node to publish to. */
  organizations(): string[];
  /** Like `startLoad` with `event`, to the given organizations (another node's people). */
  startLoadFor(params: { rate: number; organizations: string[] }): void;
  /** Whether this node leads the relay. */
  leads(): boolean;
  /** Events this node has been sent by the relay leader or read from the database to fill a gap, as `/metrics` counts them. */
  eventsHeard(): Promise<number>;
  bigOrganization(params: { size: number }): Promise<{ port: number; specs: DashboardSpec[] }>;
  bigOrganizationInvoices(params: { count: number; rate: number }): Promise<LoadResult>;
}

async function seedBigOrganization(size: number): Promise<{ organization: BigOrganization; specs: DashboardSpec[] }> {
  const organizationId = randomUUID();
  const tag = organizationId.slice(0, 8);
  await prisma.organization.create({ data: { id: organizationId, name: `Big organization ${tag}`, slug: `big-${tag}` } });
  const people: Member[] = Array.from({ length: size }, (_, index) => ({
    id: randomUUID(),
    organizationId,
    role: index === 0 ? ('OWNER' as const) : ('MEMBER' as const),
    sessionId: randomUUID(),
  }));
  await insertUsers(
    people.map((person, index) => ({ ...person, email: `person${index + 1}@${tag}.big.operate.test`, name: `Person ${index + 1}` })),
  );
  await insertSessions(people);
  const specs = people.map((person) => ({
    token: tokens.issue(person, { id: person.sessionId, refreshGeneration: 0 }).accessToken,
    userId: person.id,
  }));
  return { organization: { organizationId, owner: people[0]! }, specs };
}

export const api = {
  async prepare({ ports = 1 } = {}) {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    others = await listenAlso(app.getHttpServer(), ports - 1);
    const clients: ClientSpec[] = [];
    for (const member of members) {
      const { accessToken } = tokens.issue(member, { id: member.sessionId, refreshGeneration: 0 });
      clients.push({ auth: { token: accessToken }, organizationId: member.organizationId, userId: member.id });
    }
    return { port, ports: [port, ...others.ports], clients };
  },
  usage: ({ collect }) => processUsage(serverRef.get()?.engine.clientsCount ?? 0, collect),
  async fanout({ rate, durationMs }) {
    return { emitted: await pace(rate, fanoutBatch, durationMs).done };
  },
  organizations: () => organizations,
  startLoadFor({ rate, organizations: targets }) {
    if (running) throw new Error('a load is already running');
    running = new CommitLoad(targets, publishTo);
    running.start(rate);
  },
  leads: () => relay.isLeader,
  async eventsHeard() {
    let total = 0;
    for (const name of ['operate_events_routed_total', 'operate_events_repaired_total'])
      for (const { value } of (await metrics.registry.getSingleMetric(name)?.get())?.values ?? []) total += value;
    return total;
  },
  startLoad({ rate, kind }) {
    running = kind === 'event' ? eventLoad : serviceLoad;
    running.start(rate);
  },
  async stopLoad() {
    if (!running) throw new Error('no load is running');
    const result = await running.stop();
    running = undefined;
    return result;
  },
  /** A new organization of `size` people with a signed-in session each; the HTTP port to reach them on. */
  async bigOrganization({ size }: { size: number }) {
    const { organization, specs } = await seedBigOrganization(size);
    bigOrganization = organization;
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { port, specs };
  },
  /** `count` invoices created by the organization's owner through InvoicesService at `rate`/s: when each committed. */
  async bigOrganizationInvoices({ count, rate }: { count: number; rate: number }) {
    const organization = bigOrganization;
    if (!organization) throw new Error('no big organization: call bigOrganization first');
    const { owner } = organization;
    const load = new CommitLoad([organization.organizationId], () => createInvoiceAs(owner));
    load.start(rate);
    await new Promise((resolve) => setTimeout(resolve, (count / rate) * 1000));
    return load.stop();
  },
  profileStart: () => profiler.start(),
  profileStop: ({ path }) => profiler.stop(path),
  async close() {
    others?.close();
    await app.close();
    await database.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
} satisfies ServerUnderTest & OperateOnlyServer;

serve(api);
