import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

function postgresBin(): string {
  for (const version of readdirSync('/usr/lib/postgresql').sort().reverse()) return `/usr/lib/postgresql/${version}/bin`;
  throw new Error('PostgreSQL is not installed (scripts/test-postgres.sh installs Debian’s postgresql)');
}

/** initdb refuses root: as root, the server runs as the postgres user. */
const asPostgres = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

/**
 * A PostgreSQL of this test's own on loopback, which the test may stop and start again (same port, same
 * data) to inject a fault. Bounded: every pg_ctl waits at most 60 s; `destroy` removes it.
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'operate-fault-pg-'));
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
    const server = new PrivatePostgres(dir, await freePort());
    server.run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
    server.start();
    return server;
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  start(): void {
    this.run('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${this.port} -k ${this.dir} -c fsync=off`,
      'start',
    ]);
  }

  /** `fast` ends every session (as a restart does); `immediate` is a crash. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
  }

  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // Already stopped.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: 'initdb' | 'pg_ctl', args: string[]): void {
    const [command, rest] = asPostgres(join(postgresBin(), tool), args);
    execFileSync(command, rest, { stdio: 'ignore', timeout: 90_000 });
  }
}

/** A Redis of this test's own on loopback (no persistence), stopped and started again on the same port. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async create(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code})`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * A TCP relay in front of a Redis server that can make a node's subscriptions go silently deaf: its
 * subscribing connections stay open and look healthy, but nothing Redis sends on them arrives any more —
 * what a half-open connection or a message published while resubscribing does to a node.
 */
export class RedisProxy {
  private deaf = false;
  private readonly connections = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async create(redisPort: number): Promise<RedisProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new RedisProxy(server, (server.address() as AddressInfo).port);
    server.on('connection', (client) => proxy.relay(client, redisPort));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** From now on, connections that subscribed to anything hear nothing more; everything else still flows. */
  deafenSubscribers(): void {
    this.deaf = true;
  }

  private relay(client: Socket, redisPort: number): void {
    const upstream = connect(redisPort, '127.0.0.1');
    let subscribed = false;
    this.connections.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (/SUBSCRIBE/i.test(chunk.toString('latin1'))) subscribed = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!(this.deaf && subscribed)) client.write(chunk);
    });
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.connections.delete(socket);
        other.destroy();
      });
    }
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
