import { fork, type ChildProcess } from 'node:child_process';

/** The methods a bench process offers the orchestrator: at most one argument, any structured-clonable result. */
export type Api<A> = { [M in keyof A]: (params: never) => unknown };

interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

interface Response {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** In a child process: answers the orchestrator's calls; exits when the orchestrator goes away. */
export function serve<A extends Api<A>>(api: A): void {
  process.on('message', (message: Request) => {
    const handler = (api as Record<string, ((params: never) => unknown) | undefined>)[message.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown bench method ${message.method}`);
        return handler(message.params as never);
      })
      .then(
        (result) => process.send?.({ id: message.id, result } satisfies Response),
        (error: unknown) =>
          process.send?.({
            id: message.id,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          } satisfies Response),
      );
  });
  // Bounded by construction: an orphaned load generator or server never outlives the run.
  process.once('disconnect', () => process.exit(0));
  process.send?.({ id: 0, result: 'ready' } satisfies Response);
}

type ParamsOf<F> = F extends (...params: infer P) => unknown ? P : never;
type ResultOf<F> = F extends (...params: never[]) => infer R ? Awaited<R> : never;

export interface Remote<A extends Api<A>> {
  readonly name: string;
  readonly child: ChildProcess;
  call<M extends keyof A & string>(method: M, ...params: ParamsOf<A[M]>): Promise<ResultOf<A[M]>>;
  /** Ends the process (SIGKILL after a grace period) and waits for it. */
  stop(): Promise<void>;
}

/** Forks a bench process (an entry that calls `serve`) and waits until it is ready. */
export async function spawnBenchProcess<A extends Api<A>>(
  name: string,
  entry: URL,
  options: { execArgv?: string[]; env?: NodeJS.ProcessEnv; callTimeoutMs: number },
): Promise<Remote<A>> {
  const child = fork(entry, [], {
    execArgv: options.execArgv ?? [],
    env: options.env ?? process.env,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const call of pending.values()) call.reject(new Error(`${name} exited (${signal ?? code}) during a call`));
      pending.clear();
      resolve();
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
    child.on('message', (message: Response) => {
      if (message.id === 0) {
        resolve();
        return;
      }
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (message.error === undefined) call.resolve(message.result);
      else call.reject(new Error(`${name}: ${message.error}`));
    });
  });
  await ready;
  return {
    name,
    child,
    call(method, ...params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}.${method} did not answer within ${options.callTimeoutMs} ms`));
        }, options.callTimeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as never);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ id, method, params: params[0] } satisfies Request);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A child exits when its IPC channel closes — normally, so a --cpu-prof profile gets written.
      if (child.connected) child.disconnect();
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
