import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import type { DatabaseConfig } from '../config/config.js';
import { keepProtocolSequencesTogether } from './pglite-queue.js';

/** A PostgreSQL connection string the app can use, and how to let go of what was started for it. */
export interface OpenDatabase {
  readonly url: string;
  readonly kind: DatabaseConfig['kind'];
  close(): Promise<void>;
}

/**
 * Prepared statements in a session that every connection shares (PGlite's one session). node-postgres prepares a
 * name once per connection, so here a connection's names carry the number of the slot it holds: two connections
 * never prepare the same name. A slot is taken when a connection opens and freed when it leaves its pool; the next
 * connection to take it deallocates what the ones before prepared ahead of its own first one, so the session holds
 * at most one copy of a statement per slot — no more than the most connections ever open at once.
 */
export class SharedSessionStatements {
  private readonly slots = new WeakMap<pg.ClientBase, number>();
  private readonly free: number[] = [];
  private opened = 0;
  /** By slot: each statement's name prepared through it since the slot's names were last deallocated. */
  private readonly prepared: Map<string, string>[] = [];
  /** By slot: taken by a connection that has not yet deallocated what the ones before it prepared. */
  private readonly reused: boolean[] = [];

  /** Numbers every connection `pool` opens, and frees its number when it leaves. */
  attach(pool: pg.Pool): void {
    pool.on('connect', (client) => this.take(client));
    pool.on('remove', (client) => {
      const slot = this.slots.get(client);
      if (slot !== undefined) this.free.push(slot);
    });
  }

  /**
   * The name `statement` goes by on `client` (a connection of an attached pool, checked out), once what the
   * connection before it in its slot prepared is deallocated.
   */
  async nameOn(client: pg.ClientBase, statement: string): Promise<string> {
    const slot = this.slots.get(client);
    const names = slot === undefined ? undefined : this.prepared[slot];
    if (slot === undefined || !names) throw new Error('SharedSessionStatements: a connection of a pool that was not attached');
    if (this.reused[slot]) {
      // A name never prepared is no harm.
      for (const name of names.values()) await client.query(`DEALLOCATE "${name}"`).catch(() => undefined);
      names.clear();
      this.reused[slot] = false;
    }
    let name = names.get(statement);
    if (name === undefined) names.set(statement, (name = `${statement}_${slot}`));
    return name;
  }

  private take(client: pg.ClientBase): void {
    const slot = this.free.pop() ?? this.opened++;
    this.slots.set(client, slot);
    // Deallocated at the connection's first named statement, not here: the pool may be handing it out already.
    if (this.prepared[slot]?.size) this.reused[slot] = true;
    else this.prepared[slot] = new Map();
  }
}

/** The embedded servers this process serves, by URL: every connection to one shares PGlite's single session. */
const embeddedSessions = new Map<string, SharedSessionStatements>();

/** The statements of an embedded server of this process's (whose connections share one session); else undefined. */
export function embeddedSession(url: string): SharedSessionStatements | undefined {
  return embeddedSessions.get(url);
}

/** Connections the embedded server accepts; more than the app's pool so scripts and psql fit beside it. */
const EMBEDDED_MAX_CONNECTIONS = 32;
/**
 * Serves an embedded PGlite over the PostgreSQL wire protocol, so the app talks to it through the same
 * driver adapter as to a real PostgreSQL. It listens on a unix socket in a directory only this process's
 * user may enter (mode 0700; the socket itself 0600) — no TCP port — since PGlite has no passwords: any
 * connection it gets is the superuser.
 */
export async function startEmbeddedPostgres(pglite: PGlite, options: { idleInTransactionMs: number }): Promise<OpenDatabase> {
  // mkdtemp makes the directory 0700; kept short (a unix socket path has ~100 bytes).
  const directory = mkdtempSync(join(tmpdir(), 'operate-db-'));
  const path = join(directory, '.s.PGSQL.5432');
  const server = new PGLiteSocketServer({ db: pglite, path, maxConnections: EMBEDDED_MAX_CONNECTIONS });
  // A connection holding PGlite's one session inside a transaction and sending nothing is cut after this.
  keepProtocolSequencesTogether(server, options.idleInTransactionMs);
  try {
    await server.start();
    chmodSync(path, 0o600);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  // node-postgres reads a directory in `host` as the unix socket's (and the port as its name).
  const url = `postgresql://postgres@localhost:5432/postgres?host=${encodeURIComponent(directory)}`;
  embeddedSessions.set(url, new SharedSessionStatements());
  return {
    url,
    kind: 'embedded',
    async close() {
      embeddedSessions.delete(url);
      await server.stop();
      await pglite.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** Opens the configured database and proves it answers, so a wrong DATABASE_URL fails at start, clearly. */
export async function openDatabase(config: DatabaseConfig): Promise<OpenDatabase> {
  if (config.kind === 'embedded') {
    mkdirSync(config.dataDir, { recursive: true });
    const pglite = await PGlite.create(config.dataDir);
    return startEmbeddedPostgres(pglite, { idleInTransactionMs: config.timeouts.idleInTransactionMs });
  }
  const client = new pg.Client({ connectionString: config.url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError(`Cannot connect to the database in DATABASE_URL (${describeUrl(config.url)}): ${reason}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return { url: config.url, kind: 'postgres', close: () => Promise.resolve() };
}
