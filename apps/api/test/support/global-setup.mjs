// Migrates one template database per run; each test file then gets a fresh copy (see database.ts).
// Plain .mjs because Jest does not apply its module mapper to global setup; it uses the built migrator.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../dist/prisma/database.js';
import { applyMigrations } from '../../dist/prisma/migrator.js';

export const TEMPLATE_DATABASE = 'operate_test_template';

export default async function globalSetup() {
  const adminUrl = process.env.OPERATE_TEST_POSTGRES_URL;
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${TEMPLATE_DATABASE}`;
    await applyMigrations(url.toString());
    process.env.OPERATE_TEST_DATABASE = 'postgres';
    return;
  }
  const pglite = await PGlite.create();
  const database = await startEmbeddedPostgres(pglite, { idleInTransactionMs: 10_000 });
  await applyMigrations(database.url);
  const snapshot = await pglite.dumpDataDir('none');
  const dir = mkdtempSync(join(tmpdir(), 'operate-test-'));
  const file = join(dir, 'migrated.tar');
  writeFileSync(file, Buffer.from(await snapshot.arrayBuffer()));
  await database.close();
  process.env.OPERATE_TEST_DATABASE = 'pglite';
  process.env.OPERATE_TEST_PGLITE_SNAPSHOT = file;
}
