import { mkdirSync } from 'node:fs';
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

/** Connections the embedded server accepts; more than the app's pool so scripts and psql fit beside it. */
const EMBEDDED_MAX_CONNECTIONS = 32;

/**
 * Serves an embedded PGlite over the PostgreSQL wire protocol on loopback, so the app talks to it through
 * the same driver adapter as to a real PostgreSQL.
 */
export async function startEmbeddedPostgres(pglite: PGlite): Promise<OpenDatabase> {
  const server = new PGLiteSocketServer({
    db: pglite,
    host: '127.0.0.1',
    port: 0,
    maxConnections: EMBEDDED_MAX_CONNECTIONS,
  });
  keepProtocolSequencesTogether(server);
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgresql://postgres@${address}/postgres?sslmode=disable`,
    kind: 'embedded',
    async close() {
      await server.stop();
      await pglite.close();
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
    return startEmbeddedPostgres(pglite);
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
