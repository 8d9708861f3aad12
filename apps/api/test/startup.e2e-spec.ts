import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from './support/config.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

// Generous: an unmigrated embedded database runs initdb (CPU-heavy WASM) on a possibly busy 2-core machine.
const CHILD_LIMIT_MS = 80_000;
jest.setTimeout(90_000);

interface Run {
  code: number | null;
  output: string;
}

/** Runs the built API with exactly this environment until it exits (killed after CHILD_LIMIT_MS at most). */
function runMain(env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const secrets = { JWT_ACCESS_SECRET: TEST_ACCESS_SECRET, JWT_REFRESH_SECRET: TEST_REFRESH_SECRET, NODE_ENV: 'test' };

describe('starting the API (e2e, built main.js)', () => {
  let database: TestDatabase;
  let emptyDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    emptyDir = mkdtempSync(join(tmpdir(), 'operate-empty-'));
  });

  afterAll(async () => {
    await database.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('stops with a message naming a missing or bad variable', async () => {
    const missing = await runMain({ JWT_REFRESH_SECRET: TEST_REFRESH_SECRET });
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('JWT_ACCESS_SECRET is required but not set');

    const wrongKind = await runMain({ ...secrets, DATABASE_URL: 'mysql://root@127.0.0.1/operate' });
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.output).toContain('DATABASE_URL: must be a postgresql:// URL');
  });

  it('stops with a clear error when DATABASE_URL points at no database', async () => {
    const run = await runMain({ ...secrets, DATABASE_URL: 'postgresql://operate@127.0.0.1:1/operate' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/Cannot connect to the database in DATABASE_URL \(127\.0\.0\.1:1\/operate\): .*ECONNREFUSED/);
  });

  it('refuses to serve an unmigrated database and says what to run', async () => {
    const run = await runMain({ ...secrets, PGLITE_DATA_DIR: emptyDir });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/lacks \d+ migration\(s\).*Run `pnpm db:migrate`/);
  });

  it('boots on the database it is given, answers HTTP, and exits 0 on SIGTERM', async () => {
    let health = 0;
    const run = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [main], {
        env: { PATH: process.env.PATH ?? '', ...secrets, DATABASE_URL: database.url, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const url = /listening on (http:\/\/[^\s]+)/.exec(output)?.[1];
        if (url && health === 0) {
          health = -1;
          void fetch(`${url}/auth/me`).then((response) => {
            health = response.status;
            child.kill('SIGTERM');
          });
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
    expect(health).toBe(401);
    expect(run.output).toContain('(database: postgres)');
    expect(run.output).toContain('SIGTERM received; shutting down');
    expect(run.code).toBe(0);
  });
});
