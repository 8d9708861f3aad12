import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const deployed = new URL('../../../../deploy/nginx/operate.conf', import.meta.url);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Debian's nginx running deploy/nginx/operate.conf as shipped, with only its listen port and upstream servers
 * replaced by the test's, in a private directory; stopped by its PID.
 */
export class PrivateNginx {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(upstreams: readonly string[]): Promise<PrivateNginx> {
    const dir = mkdtempSync(join(tmpdir(), 'operate-nginx-'));
    const port = await freePort();
    const site = readFileSync(deployed, 'utf8')
      .replace(/^ {2}server 127\.0\.0\.1:\d+ .*\n/gm, '')
      .replace(/hash \$remote_addr consistent;\n/, (line) =>
        [line, ...upstreams.map((host) => `  server ${host} max_fails=1 fail_timeout=5s;\n`)].join(''),
      )
      .replace(/listen 127\.0\.0\.1:\d+;/, `listen 127.0.0.1:${port};`);
    writeFileSync(join(dir, 'operate.conf'), site);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${dir}/${kind};`).join(' ');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 1024; }
http { access_log off; ${temp} include ${dir}/operate.conf; }
`,
    );
    const binary = process.env.OPERATE_TEST_NGINX ?? '/usr/sbin/nginx';
    const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${errors}${readLog(dir)}`);
      try {
        await fetch(`${url}/nginx-probe`);
        return new PrivateNginx(url, child, dir);
      } catch {
        if (Date.now() > deadline) throw new Error(`nginx did not listen within 10 s: ${errors}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** nginx's error log so far (upstreams it gave up on, and why): for a failing spec to show. */
  errorLog(): string {
    return readLog(this.dir);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}
