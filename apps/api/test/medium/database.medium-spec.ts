import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { embeddedSession, startEmbeddedPostgres, type OpenDatabase } from '../../src/prisma/database.js';
import { PrismaService, statement } from '../../src/prisma/prisma.service.js';
import { testConfig } from '../support/config.js';

const IDLE_MS = 300;
/** The unprivileged `nobody` account, as which a child process tries the socket (only root can switch to it). */
const NOBODY = 65_534;

describe('the embedded database', () => {
  let database: OpenDatabase;
  let directory: string;

  beforeAll(async () => {
    database = await startEmbeddedPostgres(await PGlite.create(), { idleInTransactionMs: IDLE_MS });
    directory = new URL(database.url).searchParams.get('host') ?? '';
  });

  afterAll(async () => {
    await database.close();
  });

  const connect = async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    return client;
  };

  it('listens on a unix socket in a directory only its owner may enter, not on a TCP port', async () => {
    expect(new URL(database.url).hostname).toBe('localhost');
    expect(directory.startsWith('/')).toBe(true);
    const folder = statSync(directory);
    const socket = statSync(join(directory, '.s.PGSQL.5432'));
    expect(folder.mode & 0o777).toBe(0o700);
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
    expect(folder.uid).toBe(process.getuid?.());
    const client = await connect();
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });

  it('refuses another local user', () => {
    const script = `require('net').connect(${JSON.stringify(join(directory, '.s.PGSQL.5432'))}).on('connect', () => { process.stdout.write('connected'); process.exit(0); }).on('error', (e) => { process.stdout.write(e.code); process.exit(0); })`;
    if (process.getuid?.() === 0) {
      const attempt = spawnSync(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 10_000 });
      expect(attempt.stdout.trim()).toBe('EACCES');
    }
    // The owner still reaches it, which proves the attempt above failed for want of permission alone.
    const owner = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(owner.stdout.trim()).toBe('connected');
  });

  it('cuts a connection that holds the session idle inside a transaction, rolls it back, and serves the others', async () => {
    const idler = await connect();
    const idlerGone = new Promise<Error>((resolve) => idler.on('error', resolve));
    let other: pg.Client | undefined;
    try {
      await idler.query('BEGIN');
      // The server's idle clock starts once it has run the idler's last statement, so the clock here starts
      // before that statement is sent: a busy event loop delaying the reply cannot make the wait look short.
      const started = Date.now();
      await idler.query('CREATE TABLE idle_probe (id int)');
      // Waits (even to connect) behind the open transaction until the idle one is cut.
      other = await connect();
      const answer = await other.query<{ probe: string | null }>("SELECT to_regclass('idle_probe')::text AS probe");
      const waited = Date.now() - started;
      expect(answer.rows).toEqual([{ probe: null }]);
      expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 50);
      expect(waited).toBeLessThan(5_000);
      expect((await idlerGone).message).toMatch(/terminated|closed|ended/i);
    } finally {
      await other?.end();
      await idler.end().catch(() => undefined);
    }
  });

  it('lets a transaction that keeps talking run longer than the idle limit', async () => {
    const client = await connect();
    await client.query('BEGIN');
    for (let step = 0; step < 6; step++) {
      await client.query('SELECT 1');
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 3));
    }
    await client.query('COMMIT');
    await client.end();
  });

  it('prepares a hot statement once per connection: its connections share one session, so each names its own', async () => {
    const pools = [1, 2].map(() => new PrismaService(database.url, testConfig(database.url, { DATABASE_POOL_SIZE: '4' })));
    const probe = statement('operate_spec_probe', 'SELECT $1::int + 1 AS n');
    const prepared = async () =>
      (await pools[0]!.rows<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'operate_spec_probe%'", [])).map(
        ({ name }) => name,
      );
    // Several at once through both services, so each pool opens several connections.
    const wave = () => Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => pools[n % 2]!.rows<{ n: number }>(probe, [n])));
    try {
      expect(await wave()).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((n) => [{ n }]));
      // Four connections a service, one name each.
      const names = await prepared();
      expect(names).toHaveLength(8);
      expect(new Set(names).size).toBe(8);
    } finally {
      await Promise.all(pools.map((prisma) => prisma.onApplicationShutdown()));
    }
  });

  it('deallocates the statements of a connection that left when another takes its place', async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    // Most statements one connection was sent at once (node-postgres deprecates queueing one behind another).
    let most = 0;
    pool.on('connect', (client) => {
      const send = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      let running = 0;
      client.query = ((...args: unknown[]) => {
        most = Math.max(most, ++running);
        return send(...args).finally(() => running--);
      }) as unknown as typeof client.query;
    });
    const session = embeddedSession(database.url)!;
    session.attach(pool);
    const probe = async () => {
      const client = await pool.connect();
      try {
        const first = await session.nameOn(client, 'operate_spec_reused');
        const second = await session.nameOn(client, 'operate_spec_reused_too');
        const { rows } = await client.query<{ n: number }>({ name: first, text: 'SELECT 41 + 1 AS n' });
        await client.query({ name: second, text: 'SELECT 1' });
        return rows;
      } finally {
        client.release(true);
      }
    };
    const removed = () => new Promise((resolve) => pool.once('remove', resolve));
    try {
      for (let round = 0; round < 3; round++) {
        const gone = removed();
        // A fresh connection each round, taking the slot the one before left: without the deallocation, "already exists".
        expect(await probe()).toEqual([{ n: 42 }]);
        await gone;
      }
      const client = await connect();
      const { rows } = await client.query("SELECT name FROM pg_prepared_statements WHERE name LIKE 'operate_spec_reused%'");
      await client.end();
      expect(rows).toHaveLength(2);
      // Deallocated one at a time, before the connection's own first statement, not queued beside what it runs.
      expect(most).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
