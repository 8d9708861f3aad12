import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PrismaPg } from '@prisma/adapter-pg';
import { ProtocolEvent } from '@operate/shared';
import request from 'supertest';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { ApiProcess } from './support/api-process.js';
import { TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from './support/config.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { seedTenants, TEST_PASSWORD } from './support/fixtures.js';
import { RecordingClient } from './support/socket-client.js';

// Generous: an unmigrated embedded database runs initdb (CPU-heavy WASM) on a possibly busy 2-core machine.
jest.setTimeout(90_000);

const secrets = { JWT_ACCESS_SECRET: TEST_ACCESS_SECRET, JWT_REFRESH_SECRET: TEST_REFRESH_SECRET, NODE_ENV: 'test' };

/** Runs the built API until it exits on its own; resolves with its exit code and log. */
async function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const api = ApiProcess.start(env);
  const code = await api.stop('SIGCONT', 80_000);
  return { code, output: api.output };
}

describe('starting and stopping the API (e2e, built main.js)', () => {
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
    const missing = await runToExit({ JWT_REFRESH_SECRET: TEST_REFRESH_SECRET });
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('JWT_ACCESS_SECRET is required but not set');

    const wrongKind = await runToExit({ ...secrets, DATABASE_URL: 'mysql://root@127.0.0.1/operate' });
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.output).toContain('DATABASE_URL: must be a postgresql:// URL');
  });

  it('stops with a clear error when DATABASE_URL or REDIS_URL points at nothing', async () => {
    const noDatabase = await runToExit({ ...secrets, DATABASE_URL: 'postgresql://operate@127.0.0.1:1/operate' });
    expect(noDatabase.code).toBe(1);
    expect(noDatabase.output).toMatch(/Cannot connect to the database in DATABASE_URL \(127\.0\.0\.1:1\/operate\): .*ECONNREFUSED/);

    const noRedis = await runToExit({ ...secrets, DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(noRedis.code).toBe(1);
    expect(noRedis.output).toMatch(/Cannot connect to Redis in REDIS_URL \(127\.0\.0\.1:1\)/);
  });

  it('refuses to serve an unmigrated database and says what to run', async () => {
    const run = await runToExit({ ...secrets, PGLITE_DATA_DIR: emptyDir });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/lacks \d+ migration\(s\).*Run `pnpm db:migrate`/);
  });

  it('serves; on SIGTERM reports not ready while draining, then tells its clients to reconnect and exits 0', async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    const tenants = await seedTenants(prisma);
    await prisma.$disconnect();
    const api = ApiProcess.start({ ...secrets, DATABASE_URL: database.url, PORT: '0', SHUTDOWN_DRAIN_MS: '1500' });
    const url = await api.url();
    await request(url).get('/auth/me').expect(401);
    await request(url).get('/health/ready').expect(200);
    const login = await request(url).post('/auth/login').send({ email: tenants.a1.email, password: TEST_PASSWORD }).expect(200);
    const client = await RecordingClient.connect(url, (login.body as { accessToken: string }).accessToken);

    const started = Date.now();
    const stopping = api.stop('SIGTERM');
    await api.waitForLog(/SIGTERM received; draining for 1500 ms/);
    // Draining: alive, not ready, and its clients not yet told to go (the load balancer moves first).
    await request(url).get('/health/live').expect(200);
    const ready = await request(url).get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({ code: 'not_ready', message: expect.stringContaining('Draining') });
    expect((await request(url).get('/health').expect(200)).body).toMatchObject({ draining: true });
    expect(client.ofType(ProtocolEvent.ShuttingDown)).toHaveLength(0);
    const code = await stopping;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(Date.now() - started).toBeLessThan(11_500);
    expect(api.output).toContain('(database: postgres)');
    expect((await client.waitFor(ProtocolEvent.ShuttingDown)).payload.reconnect).toBe(true);
    // A transport close (not a server-side disconnect) is what makes socket.io-client reconnect by itself.
    expect(await client.disconnected()).toBe('transport close');
    client.close();
  });

  it('a SIGTERM to the documented `npx -y pnpm@12.21.0 start:api` reaches the API: nothing is left running', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const env = {
      ...process.env,
      ...secrets,
      DATABASE_URL: database.url,
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: '',
      SHUTDOWN_DRAIN_MS: '0',
    };
    const command = spawn('npx', ['-y', 'pnpm@12.21.0', 'start:api'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [command.stdout, command.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    // eslint-disable-next-line no-control-regex -- the API's log is coloured; the colours are stripped to match it
    const plain = () => output.replace(/\x1b\[[0-9;]*m/g, '');
    const listeningLine = /\[Nest\] (\d+) .*listening on (http:\/\/\S+)/;
    while (!listeningLine.test(plain())) {
      if (Date.now() > deadline || command.exitCode !== null) throw new Error(`start:api did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const listening = listeningLine.exec(plain())!;
    const [, pid, url] = listening;
    await request(url!).get('/health/live').expect(200);

    command.kill('SIGTERM');
    const gone = Date.now() + 15_000;
    const alive = () => {
      try {
        process.kill(Number(pid), 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive()).toBe(false);
    expect(output).toContain('SIGTERM received');
  });
});
