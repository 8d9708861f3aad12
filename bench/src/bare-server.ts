/**
 * The baseline: a plain socket.io 4.8 server doing the same fan-out as Operate and nothing more — a
 * handshake that names the user, the same two rooms, one handler per client command, events emitted to
 * the organization's room; for the write-then-deliver scenarios, an INSERT and an emit after it returns.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { commandCatalog, InvoiceEvent, rooms } from '@operate/shared';
import pg from 'pg';
import { Server } from 'socket.io';
import { serve } from './ipc.js';
import { pace } from './pace.js';
import {
  CommitLoad,
  invoicePayload,
  listenAlso,
  ORGANIZATIONS,
  OrganizationCycle,
  processUsage,
  roomsOf,
  USERS_PER_ORGANIZATION,
  type ClientSpec,
  type ExtraListeners,
  type ServerUnderTest,
  WindowProfiler,
} from './workload.js';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS bench_invoice (
  id uuid PRIMARY KEY, organization_id uuid NOT NULL, number text NOT NULL, customer_name text NOT NULL,
  total numeric(14, 2) NOT NULL, currency char(3) NOT NULL, due_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`;
const INSERT = `INSERT INTO bench_invoice (id, organization_id, number, customer_name, total, currency, due_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

type Query = (text: string, values?: unknown[]) => Promise<unknown>;

/** BENCH_DATABASE_URL: a PostgreSQL database of its own; otherwise an embedded PGlite in a temporary folder. */
async function openDatabase(): Promise<{ query: Query; close(): Promise<void> }> {
  const url = process.env.BENCH_DATABASE_URL;
  if (url) {
    // The same pool size as Operate's Prisma adapter.
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return { query: (text, values) => pool.query(text, values), close: () => pool.end() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'operate-bench-bare-'));
  const db = await PGlite.create(dir);
  return {
    query: (text, values) => db.query(text, values),
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const database = await openDatabase();
await database.query(CREATE_TABLE);
const httpServer = createServer();
const io = new Server(httpServer, { maxHttpBufferSize: 100_000, serveClient: false });

io.use((socket, next) => {
  const { organizationId, userId } = socket.handshake.auth as Partial<Record<string, unknown>>;
  if (typeof organizationId === 'string' && typeof userId === 'string') {
    socket.data = { organizationId, userId };
    next();
  } else next(new Error('unauthorized'));
});
io.on('connection', (socket) => {
  const { organizationId, userId } = socket.data as { organizationId: string; userId: string };
  void socket.join(roomsOf({ organizationId, userId }));
  for (const command of Object.keys(commandCatalog)) {
    socket.on(command, (_request: unknown, ack?: (response: unknown) => void) => ack?.({ ok: true, data: {} }));
  }
});

const organizations = Array.from({ length: ORGANIZATIONS }, () => randomUUID());
const clients: ClientSpec[] = organizations.flatMap((organizationId) =>
  Array.from({ length: USERS_PER_ORGANIZATION }, () => {
    const userId = randomUUID();
    return { auth: { organizationId, userId }, organizationId, userId };
  }),
);

/** `at`: when the event was offered (the fan-out's tick, or the write's return); its latency runs from there. */
function emitInvoice(invoiceId: string, organizationId: string, sequence: number, at = new Date()): void {
  io.to(rooms.organization(organizationId)).emit(InvoiceEvent.Created, {
    ...invoicePayload(invoiceId, organizationId, sequence, at),
    occurredAt: at.toISOString(),
  });
}

const load = new CommitLoad(
  organizations,
  async (organizationId, sequence) => {
    const invoiceId = randomUUID();
    await database.query(INSERT, [invoiceId, organizationId, `INV-${sequence}`, 'Globex Corporation', '1250.00', 'EUR', '2026-12-31']);
    return invoiceId;
  },
  (commit, sequence) => emitInvoice(commit.invoiceId, commit.organizationId, sequence),
);
const cycle = new OrganizationCycle(organizations);
let sequence = 0;

const profiler = new WindowProfiler();
let others: ExtraListeners | undefined;

export const api = {
  async prepare({ ports = 1 } = {}) {
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const port = (httpServer.address() as AddressInfo).port;
    others = await listenAlso(httpServer, ports - 1);
    return { port, ports: [port, ...others.ports], clients };
  },
  usage: ({ collect }) => processUsage(io.engine.clientsCount, collect),
  async fanout({ rate, durationMs }) {
    const emitted = await pace(
      rate,
      (count, offeredAt) => {
        for (let i = 0; i < count; i++) emitInvoice(randomUUID(), cycle.take(), ++sequence, offeredAt);
      },
      durationMs,
    ).done;
    return { emitted };
  },
  startLoad({ rate, kind }) {
    if (kind !== 'event') throw new Error('a bare socket.io server has no feature services: only the event load');
    load.start(rate);
  },
  stopLoad: () => load.stop(),
  profileStart: () => profiler.start(),
  profileStop: ({ path }) => profiler.stop(path),
  async close() {
    others?.close();
    await io.close();
    await database.close();
  },
} satisfies ServerUnderTest;

serve(api);
