import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { applyMigrations, defaultMigrationsDir, MigrationError, pendingMigrations, readMigrations } from '../../src/prisma/migrator.js';

describe('migrator', () => {
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'operate-migrations-'));
    cpSync(defaultMigrationsDir, dir, { recursive: true });
  });

  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };

  it('records the committed migrations the way Prisma does, and has nothing pending', async () => {
    expect(await pendingMigrations(database.url)).toEqual([]);
    expect(await applyMigrations(database.url)).toEqual([]);
    const history = await query('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name');
    const files = readMigrations();
    expect(history.map((row) => row.migration_name)).toEqual(files.map((file) => file.name));
    for (const [index, file] of files.entries()) {
      expect(history[index]?.checksum).toBe(createHash('sha256').update(file.sql).digest('hex'));
      expect(history[index]?.finished_at).toBeInstanceOf(Date);
    }
  });

  it('applies a new migration once', async () => {
    mkdirSync(join(dir, '29990101000000_add_probe'));
    writeFileSync(join(dir, '29990101000000_add_probe', 'migration.sql'), 'CREATE TABLE "Probe" ("id" INTEGER PRIMARY KEY);\n');
    expect(await pendingMigrations(database.url, dir)).toEqual(['29990101000000_add_probe']);
    expect(await applyMigrations(database.url, dir)).toEqual(['29990101000000_add_probe']);
    expect(await applyMigrations(database.url, dir)).toEqual([]);
    expect(await query('SELECT count(*)::int AS n FROM "Probe"')).toEqual([{ n: 0 }]);
  });

  it('rolls back a failing migration and names it', async () => {
    mkdirSync(join(dir, '29990102000000_broken'));
    writeFileSync(join(dir, '29990102000000_broken', 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER);\nSELECT * FROM "Missing";\n');
    await expect(applyMigrations(database.url, dir)).rejects.toThrow(/29990102000000_broken failed and was rolled back/);
    expect(await query(`SELECT to_regclass('"Half"') IS NULL AS absent`)).toEqual([{ absent: true }]);
    rmSync(join(dir, '29990102000000_broken'), { recursive: true });
  });

  it('refuses to run when an applied migration was edited', async () => {
    writeFileSync(join(dir, '29990101000000_add_probe', 'migration.sql'), 'CREATE TABLE "Probe" ("id" BIGINT PRIMARY KEY);\n');
    await expect(pendingMigrations(database.url, dir)).rejects.toBeInstanceOf(MigrationError);
    await expect(applyMigrations(database.url, dir)).rejects.toThrow(/29990101000000_add_probe was edited/);
  });
});
