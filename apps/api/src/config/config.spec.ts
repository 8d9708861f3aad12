import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, loadDatabaseConfig, NODE_OPTIONS, nodeOptionsWarning } from './config.js';

const secrets = { JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32) };

describe('loadConfig', () => {
  it('applies defaults and picks the embedded database when DATABASE_URL is unset', () => {
    const config = loadConfig(secrets);
    expect(config).toMatchObject({ env: 'development', host: '127.0.0.1', port: 3000, database: { kind: 'embedded' } });
    expect(config.jwt.accessTtlSeconds).toBe(900);
    expect(config.corsOrigins).toEqual(['http://localhost:3001', 'http://127.0.0.1:3001']);
  });

  it('treats an empty value as unset, as a .env file means it', () => {
    expect(loadConfig({ ...secrets, DATABASE_URL: '', PORT: '' })).toMatchObject({ port: 3000, database: { kind: 'embedded' } });
  });

  it('uses PostgreSQL when DATABASE_URL says so', () => {
    const config = loadConfig({
      ...secrets,
      DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/operate',
      CORS_ORIGINS: 'https://a.test, https://b.test',
    });
    expect(config.database).toMatchObject({ kind: 'postgres', url: 'postgresql://u:p@127.0.0.1:5432/operate' });
    expect(config.corsOrigins).toEqual(['https://a.test', 'https://b.test']);
  });

  it('sizes the pool and gives the relay a direct URL past a transaction-mode pooler', () => {
    const config = loadConfig({
      ...secrets,
      DATABASE_URL: 'postgresql://u:p@127.0.0.1:6432/operate',
      RELAY_DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/operate',
      DATABASE_POOL_SIZE: '25',
    });
    expect(config.database.poolSize).toBe(25);
    expect(config.relay.databaseUrl).toBe('postgresql://u:p@127.0.0.1:5432/operate');
    expect(loadConfig(secrets).database.poolSize).toBe(10);
    expect(() => loadConfig({ ...secrets, RELAY_DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/operate' })).toThrow(
      /RELAY_DATABASE_URL: needs DATABASE_URL/,
    );
  });

  it('names every missing or bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ JWT_ACCESS_SECRET: 'short', DATABASE_URL: 'mysql://x', PORT: 'eighty' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/JWT_ACCESS_SECRET: must be at least 32 characters/);
    expect(problems).toMatch(/JWT_REFRESH_SECRET is required but not set/);
    expect(problems).toMatch(/DATABASE_URL: must be a postgresql:\/\/ URL/);
    expect(problems).toMatch(/PORT:/);
  });

  it('lets the database commands run without the secrets', () => {
    expect(loadDatabaseConfig({ PGLITE_DATA_DIR: '/tmp/x' })).toEqual({
      kind: 'embedded',
      dataDir: '/tmp/x',
      timeouts: { statementMs: 10_000, idleInTransactionMs: 10_000 },
      poolSize: 10,
    });
  });
});

describe('NODE_OPTIONS in .env.example', () => {
  // `node --env-file` applies NODE_OPTIONS from the file to the process it starts: every way of running the API
  // (pnpm start, the systemd unit, the launcher) reads the settings file that way.
  const availableHeap = (envFile?: string) =>
    Number(
      execFileSync(process.execPath, [...(envFile ? [`--env-file=${envFile}`] : []), '-p', 'v8.getHeapStatistics().total_available_size'], {
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
      }),
    );

  it('gives a node started from the settings file its larger young generation', () => {
    const example = readFileSync(new URL('../../../../.env.example', import.meta.url), 'utf8');
    const line = example.split('\n').find((each) => each.startsWith('NODE_OPTIONS='));
    expect(line).toBe(`NODE_OPTIONS=${NODE_OPTIONS}`);
    const envFile = join(mkdtempSync(join(tmpdir(), 'operate-env-')), '.env');
    writeFileSync(envFile, `${line}\n`);
    // 64 MB semi-spaces instead of 16 MB: three of them (two semi-spaces and the young large-object space) more.
    expect(availableHeap(envFile) - availableHeap()).toBeGreaterThan(3 * 48 * 1024 * 1024 * 0.9);
  });

  it('is added to a .env made before the line existed, and kept when the file has one', () => {
    // ensure-env runs before every start: a checkout's .env gains the line the way it gains a new secret.
    const root = mkdtempSync(join(tmpdir(), 'operate-root-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(new URL('../../../../scripts/ensure-env.mjs', import.meta.url), join(root, 'scripts/ensure-env.mjs'));
    copyFileSync(new URL('../../../../.env.example', import.meta.url), join(root, '.env.example'));
    const ensure = () => execFileSync(process.execPath, [join(root, 'scripts/ensure-env.mjs')], { encoding: 'utf8' });
    const old = `PORT=3001\nJWT_ACCESS_SECRET=${'a'.repeat(32)}\nJWT_REFRESH_SECRET=${'r'.repeat(32)}\n`;
    writeFileSync(join(root, '.env'), old);
    expect(ensure()).toMatch(/^Added .*NODE_OPTIONS to \.env/);
    const updated = readFileSync(join(root, '.env'), 'utf8');
    expect(updated.startsWith(old)).toBe(true);
    expect(updated.split('\n')).toContain(`NODE_OPTIONS=${NODE_OPTIONS}`);
    writeFileSync(join(root, '.env'), `${old}NODE_OPTIONS=--max-semi-space-size=32\n`);
    expect(ensure()).not.toMatch(/NODE_OPTIONS/);
    expect(readFileSync(join(root, '.env'), 'utf8')).toMatch(/^NODE_OPTIONS=--max-semi-space-size=32$/m);
  });

  it('is missed out loud by a node started without it', () => {
    expect(nodeOptionsWarning({})).toMatch(/^NODE_OPTIONS sets no --max-semi-space-size: .*Add NODE_OPTIONS=--max-semi-space-size=64 /);
    expect(nodeOptionsWarning({ NODE_OPTIONS: '--max-old-space-size=4096' })).toMatch(/^NODE_OPTIONS sets no/);
    expect(nodeOptionsWarning({ NODE_OPTIONS })).toBeUndefined();
    expect(nodeOptionsWarning({ NODE_OPTIONS: `--max-old-space-size=4096 ${NODE_OPTIONS}` })).toBeUndefined();
  });
});
