import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// The built API's entry points (the browser tests run the product as `pnpm demo` does, on PostgreSQL).
const apiDist = (file: string) => fileURLToPath(new URL(`../../../api/dist/${file}`, import.meta.url));
const webStart = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));

// eslint-disable-next-line no-control-regex -- matching terminal colour codes is the point
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls until the URL answers 200 (the server may log Ready a moment before it accepts). */
async function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (child.process.exitCode !== null || Date.now() > deadline) throw new Error(`${url} did not answer:\n${child.output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A child process whose output is kept, so a failure can show it. */
export class Child {
  output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly process: ChildProcess) {
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString().replace(ANSI_COLOUR, '');
    };
    process.stdout?.on('data', collect);
    process.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  static run(file: string, args: string[], env: Record<string, string>): Child {
    return new Child(
      spawn(globalThis.process.execPath, [file, ...args], {
        env: { PATH: globalThis.process.env.PATH ?? '', ...env } as unknown as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  async waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.process.exitCode !== null) throw new Error(`exited (${this.process.exitCode}) before logging ${pattern}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Runs to completion; rejects with the output on a non-zero exit. */
  async succeeds(): Promise<string> {
    const code = await this.exited;
    if (code !== 0) throw new Error(`exit ${code}:\n${this.output}`);
    return this.output;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The whole product on loopback: a fresh PostgreSQL database with migrations and demo data, the built API
 * (restartable on its port) and the built dashboard pointed at it.
 */
export class Stack {
  api!: Child;
  web!: Child;
  readonly env: Record<string, string>;

  private constructor(
    readonly adminUrl: string,
    readonly databaseName: string,
    readonly apiPort: number,
    readonly webPort: number,
    databaseUrl: string,
  ) {
    this.env = {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      DATABASE_URL: databaseUrl,
      JWT_ACCESS_SECRET: randomBytes(24).toString('hex'),
      JWT_REFRESH_SECRET: randomBytes(24).toString('hex'),
      PAYMENT_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
      CORS_ORIGINS: `http://127.0.0.1:${webPort}`,
      RELAY_POLL_INTERVAL_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '3000',
      PRESENCE_OFFLINE_GRACE_MS: '1000',
      // Every browser of the tests signs in from 127.0.0.1.
      LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '10000',
    };
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get webUrl(): string {
    return `http://127.0.0.1:${this.webPort}`;
  }

  static async start(adminUrl: string): Promise<Stack> {
    const name = `operate_browser_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const stack = new Stack(adminUrl, name, await freePort(), await freePort(), url.toString());
    await Child.run(apiDist('cli/migrate.js'), [], stack.env).succeeds();
    await Child.run(apiDist('cli/seed.js'), [], stack.env).succeeds();
    stack.api = await stack.startApi();
    stack.web = Child.run(webStart, [], { WEB_PORT: String(stack.webPort), OPERATE_API_URL: stack.apiUrl });
    await stack.web.waitForLog(/Ready in/);
    await waitForHttp(`${stack.webUrl}/login`, stack.web);
    return stack;
  }

  async startApi(env: Record<string, string> = {}): Promise<Child> {
    const api = Child.run(apiDist('main.js'), [], { ...this.env, ...env });
    await api.waitForLog(/listening on http/);
    return api;
  }

  /** Plays the payment provider: a correctly signed webhook to the running API. */
  async pay(paymentReference: string, amount: string, currency: string): Promise<void> {
    await Child.run(apiDist('cli/pay.js'), [paymentReference, amount, currency], this.env).succeeds();
  }

  async stop(): Promise<void> {
    await Promise.all([this.web?.stop(), this.api?.stop()]);
    const admin = new pg.Client({ connectionString: this.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${this.databaseName} WITH (FORCE)`);
    await admin.end();
  }
}
