import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// eslint-disable-next-line no-control-regex -- matching terminal colour codes is the point
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;
const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** The built API (dist/main.js) running as its own process, exactly as `pnpm start` runs it. */
export class ApiProcess {
  output = '';
  /** When each piece of the output arrived: where it ends in `output`, and the clock then. */
  private readonly arrivals: { end: number; at: number }[] = [];
  private readonly exit: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => {
      // Colours off: the log is matched as text.
      this.output += chunk.toString().replace(ANSI_COLOUR, '');
      this.arrivals.push({ end: this.output.length, at: performance.now() });
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts the API with exactly this environment (plus PATH). */
  static start(env: Record<string, string>): ApiProcess {
    return new ApiProcess(
      spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
  }

  /** Waits (generously) until the log matches; fails early if the process exits first. */
  async waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null)
        throw new Error(`the API exited (${this.child.exitCode}) before logging ${pattern}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} in the API log within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** When (performance.now()) the log first matched, after waiting for it like waitForLog. */
  async timeOfLog(pattern: RegExp, timeoutMs = 60_000): Promise<number> {
    const match = await this.waitForLog(pattern, timeoutMs);
    const end = (match.index ?? 0) + match[0].length;
    return this.arrivals.find((arrival) => arrival.end >= end)!.at;
  }

  /** The URL it listens on, once it does. */
  async url(): Promise<string> {
    return (await this.waitForLog(/listening on (http:\/\/\S+)/))[1]!;
  }

  /** Sends a signal and resolves with the exit code (SIGKILL after `timeoutMs` if it does not exit). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }
}
