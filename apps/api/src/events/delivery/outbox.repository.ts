import { Injectable } from '@nestjs/common';
import type { EventEnvelope, EventName } from '@operate/shared';
import type pg from 'pg';
import { PrismaService, statement, type Tx } from '../../prisma/prisma.service.js';

/** What the relay leader sends the nodes holding its rooms: the event and the audiences (rooms, or *) it is for. */
export interface BusMessage {
  readonly audiences: readonly string[];
  readonly envelope: StoredEnvelope;
}

/** An event as stored and delivered: unlike a protocol event's, its cursor is always a number. */
export type StoredEnvelope = EventEnvelope & { readonly cursor: number };

interface OutboxRow {
  id: string;
  type: string;
  audiences: string[];
  payload: unknown;
  occurredAt: Date;
  cursor: bigint | string | number;
}

function toBusMessage(row: OutboxRow): BusMessage {
  const envelope = {
    id: row.id,
    type: row.type as EventName,
    occurredAt: row.occurredAt.toISOString(),
    cursor: Number(row.cursor),
    payload: row.payload,
  };
  // The row was checked against the catalog when it was written.
  return { audiences: row.audiences, envelope: envelope as StoredEnvelope };
}

export interface RelayProgress {
  readonly assignedCursor: number;
  readonly deliveredCursor: number;
  readonly prunedThrough: number;
}

/** An event to write, already checked against the catalog. */
export interface OutboxEntry {
  readonly id: string;
  readonly type: EventName;
  readonly audiences: readonly string[];
  readonly payload: unknown;
  readonly occurredAt: Date;
}

const COLUMNS = 'id, type, audiences, payload, "occurredAt", cursor';

/**
 * $1: batch size; $2: the last cursor already published (recorded as delivered). Locks RelayState, numbers
 * the oldest pending rows after its assignedCursor, advances it, and returns the rows in cursor order. Sent
 * unnamed: a prepared statement would soon run one generic plan, chosen without knowing the LIMIT. The rows to
 * number are also named by key (`= ANY`): joined to the pending rows alone, the planner could read every stored
 * event into a hash table for a batch of a few — on tables of some thousands, before its estimates turn to looping.
 */
const ASSIGN_BATCH = `
  WITH state AS (
    SELECT "assignedCursor" AS base FROM "RelayState" WHERE id = 1 FOR UPDATE
  ), pending AS (
    SELECT id, row_number() OVER (ORDER BY seq) AS n
    FROM (SELECT id, seq FROM "EventOutbox" WHERE cursor IS NULL ORDER BY seq LIMIT $1) AS oldest
  ), assigned AS (
    UPDATE "EventOutbox" AS o SET cursor = state.base + pending.n
    FROM pending, state
    WHERE o.id = ANY (ARRAY(SELECT id FROM pending)) AND o.id = pending.id
    RETURNING o.id, o.type, o.audiences, o.payload, o."occurredAt", o.cursor
  ), advanced AS (
    UPDATE "RelayState"
    SET "assignedCursor" = "assignedCursor" + (SELECT count(*) FROM pending),
        "deliveredCursor" = GREATEST("deliveredCursor", $2)
    WHERE id = 1
  )
  SELECT * FROM assigned ORDER BY cursor`;

const PROGRESS = 'SELECT "assignedCursor", "deliveredCursor", "prunedThrough" FROM "RelayState" WHERE id = 1';
const RECORD_DELIVERED = 'UPDATE "RelayState" SET "deliveredCursor" = GREATEST("deliveredCursor", $1) WHERE id = 1';

/** $1: older than this; $2: at most this many. Deletes delivered events and records the highest cursor removed. */
const PRUNE = `
  WITH expired AS (
    SELECT id FROM "EventOutbox"
    WHERE "occurredAt" < $1
      AND cursor <= (SELECT "deliveredCursor" FROM "RelayState" WHERE id = 1)
    ORDER BY cursor
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ), removed AS (
    DELETE FROM "EventOutbox" WHERE id IN (SELECT id FROM expired) RETURNING cursor
  ), marked AS (
    UPDATE "RelayState" SET "prunedThrough" = GREATEST("prunedThrough", (SELECT max(cursor) FROM removed))
    WHERE id = 1 AND EXISTS (SELECT 1 FROM removed)
  )
  SELECT count(*) AS count FROM removed`;

const INSERT = statement(
  'operate_outbox_insert',
  `INSERT INTO "EventOutbox" (id, type, audiences, payload, "occurredAt") VALUES ($1::uuid, $2, $3::text[], $4::jsonb, $5)`,
);

/** Several events in one statement, `seq` in the given order ($1: a JSON array of entries). */
const INSERT_MANY = statement(
  'operate_outbox_insert_many',
  `
  INSERT INTO "EventOutbox" (id, type, audiences, payload, "occurredAt")
  SELECT (e.value->>'id')::uuid, e.value->>'type', ARRAY(SELECT jsonb_array_elements_text(e.value->'audiences')),
         e.value->'payload', (e.value->>'occurredAt')::timestamptz
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, n)
  ORDER BY e.n`,
);

/** The channel a follower's NOTIFY wakes the relay leader on. */
const COMMITS_CHANNEL = 'operate_outbox';

/** The relay leader's own connection: its session holds the advisory lock, so its statements run on it. */
export type LeaderSession = Pick<pg.Client, 'query'>;

/**
 * Every statement on the outbox (`EventOutbox`) and the relay's state (`RelayState`), in one place: the
 * write in a feature's transaction, the leader's batch, delivery records, replay and gap reads, retention.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Writes an event in the caller's transaction, or on its own: one parameterised statement. On its own it goes
   * straight through the driver's pool: Prisma's client runtime costs several times the statement's CPU, which
   * capped a node's commit rate near 6,000 events/s.
   */
  async insert(entry: OutboxEntry, tx?: Tx): Promise<void> {
    const payload = JSON.stringify(entry.payload);
    if (!tx) {
      await this.prisma.rows(INSERT, [entry.id, entry.type, [...entry.audiences], payload, entry.occurredAt]);
      return;
    }
    await tx.$executeRaw`
      INSERT INTO "EventOutbox" (id, type, audiences, payload, "occurredAt")
      VALUES (${entry.id}::uuid, ${entry.type}, ${[...entry.audiences]}::text[], ${payload}::jsonb, ${entry.occurredAt})`;
  }

  /** Writes several events at once (all or none), in this order; one is written as `insert` writes it. */
  async insertMany(entries: readonly OutboxEntry[], tx?: Tx): Promise<void> {
    if (entries.length <= 1) {
      if (entries[0]) await this.insert(entries[0], tx);
      return;
    }
    const json = JSON.stringify(entries);
    if (tx) await tx.$executeRawUnsafe(INSERT_MANY.text, json);
    else await this.prisma.rows(INSERT_MANY, [json]);
  }

  /** How far the stream has been numbered, delivered and pruned (through the leader's session when given). */
  async progress(session?: LeaderSession): Promise<RelayProgress> {
    type Row = { assignedCursor: string | bigint; deliveredCursor: string | bigint; prunedThrough: string | bigint };
    const [row] = session ? (await session.query<Row>(PROGRESS)).rows : await this.prisma.rows<Row>(PROGRESS, []);
    if (!row) throw new Error('RelayState is missing: run the migrations');
    return {
      assignedCursor: Number(row.assignedCursor),
      deliveredCursor: Number(row.deliveredCursor),
      prunedThrough: Number(row.prunedThrough),
    };
  }

  /** Committed events the relay has not numbered yet (the index on cursor holds the NULLs). */
  async pendingCount(): Promise<number> {
    const [row] = await this.prisma.rows<{ count: string }>('SELECT count(*) AS count FROM "EventOutbox" WHERE cursor IS NULL', []);
    return Number(row?.count ?? 0);
  }

  /** Events with after < cursor ≤ upTo, in cursor order, optionally only those for any of these audiences. */
  async range(
    after: number,
    upTo: number,
    options: { audiences?: readonly string[]; limit?: number; session?: LeaderSession } = {},
  ): Promise<BusMessage[]> {
    const values: unknown[] = [after, upTo];
    let text = `SELECT ${COLUMNS} FROM "EventOutbox" WHERE cursor > $1 AND cursor <= $2`;
    if (options.audiences) text += ` AND audiences && $${values.push([...options.audiences])}::text[]`;
    text += ' ORDER BY cursor';
    if (options.limit) text += ` LIMIT $${values.push(options.limit)}`;
    const rows = options.session
      ? (await options.session.query<OutboxRow>(text, values)).rows
      : await this.prisma.rows<OutboxRow>(text, values);
    return rows.map(toBusMessage);
  }

  /**
   * Readies the leader's session. Its batch finds the pending rows (cursor NULL) on their partial index, in seq
   * order. Numbering a row leaves its old, pending version in that index until a vacuum; a bitmap scan — the
   * planner's pick for a few expected rows — visits each such version in the table on every batch, so a batch
   * grew with the events numbered since the last vacuum. An ordered index scan marks them dead in the index
   * the first time it passes and skips them after, so bitmap scans are off on this session (its statements
   * all read by cursor, where an index scan is the plan anyway).
   */
  async prepareLeaderSession(session: LeaderSession): Promise<void> {
    await session.query('SET enable_bitmapscan = off');
  }

  /** The leader hears followers' commits: each follower sends wakeRelay() after its own. */
  async listenForCommits(session: LeaderSession): Promise<void> {
    await session.query(`LISTEN ${COMMITS_CHANNEL}`);
  }

  /** Wakes the relay leader, whichever node it is on (it drains on hearing it). */
  async wakeRelay(): Promise<void> {
    await this.prisma.rows(`SELECT pg_notify('${COMMITS_CHANNEL}', '')`, []);
  }

  /**
   * The leader's batch, in one statement (one round trip, its own transaction): numbers the oldest pending
   * rows with the next cursors in insertion order and records `published` as delivered.
   */
  async assignBatch(session: LeaderSession, size: number, published: number): Promise<BusMessage[]> {
    return (await session.query<OutboxRow>(ASSIGN_BATCH, [size, published])).rows.map(toBusMessage);
  }

  /** Records that every event up to `cursor` reached the nodes. */
  async recordDelivered(session: LeaderSession, cursor: number): Promise<void> {
    await session.query(RECORD_DELIVERED, [cursor]);
  }

  /** Deletes up to `batch` delivered events older than `before` (safe on several nodes: SKIP LOCKED); returns how many. */
  async prune(before: Date, batch: number): Promise<number> {
    const [row] = await this.prisma.rows<{ count: string }>(PRUNE, [before, batch]);
    return Number(row?.count ?? 0);
  }
}
