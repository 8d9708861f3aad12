import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/prisma/database.js';

const TEMPLATE_DATABASE = 'operate_test_template';

export interface TestDatabase {
  readonly url: string;
  readonly kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a copy of the template on PostgreSQL
 * (OPERATE_TEST_POSTGRES_URL set), else an embedded PGlite restored from the migrated snapshot.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.OPERATE_TEST_POSTGRES_URL;
  if (adminUrl) {
    const name = `operate_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      kind: 'postgres',
      async close() {
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.end();
      },
    };
  }
  const snapshot = process.env.OPERATE_TEST_PGLITE_SNAPSHOT;
  if (!snapshot) throw new Error('No test database: run through the api-db Jest project (its global setup migrates one)');
  const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(snapshot)]) });
  const database = await startEmbeddedPostgres(pglite, { idleInTransactionMs: 10_000 });
  return { url: database.url, kind: 'pglite', close: () => database.close() };
}
