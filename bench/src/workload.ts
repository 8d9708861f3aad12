import { writeFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { createServer, type AddressInfo } from 'node:net';
import { constants as perf, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { rooms, type InvoiceSummary } from '@operate/shared';
import { sampleInvoice } from '@operate/shared/client/testing';
import { now, pace, type Pacer } from './pace.js';

/** The population every scenario uses: 1,000 organizations of 5 users, one connection per user. */
/** Per server; BENCH_ORGANIZATIONS: more of them, for the scale scenario's servers. */
export const ORGANIZATIONS = Number(process.env.BENCH_ORGANIZATIONS ?? 1_000);
export const USERS_PER_ORGANIZATION = 5;

/** How a load-generator client identifies itself in the socket.io handshake, and who it is. */
export interface ClientSpec {
  readonly auth: Readonly<Record<string, unknown>>;
  readonly organizationId: string;
  readonly userId: string;
}

/** One organization-scoped business fact, the same bytes for both servers: the catalog's sample invoice, made unique. */
export function invoicePayload(invoiceId: string, organizationId: string, sequence: number, at: Date): InvoiceSummary {
  return { ...sampleInvoice(`INV-${String(sequence).padStart(5, '0')}`), invoiceId, organizationId, updatedAt: at.toISOString() };
}

/** The rooms a connection joins on both servers: its organization's and its own. */
export function roomsOf(spec: Pick<ClientSpec, 'organizationId' | 'userId'>): string[] {
  return [rooms.organization(spec.organizationId), rooms.user(spec.userId)];
}

/** Round-robin over the organizations, so every step spreads its events evenly. */
export class OrganizationCycle {
  private next = 0;
  constructor(private readonly organizations: readonly string[]) {}

  take(): string {
    const organizationId = this.organizations[this.next % this.organizations.length];
    this.next++;
    if (organizationId === undefined) throw new Error('no organizations to send to');
    return organizationId;
  }
}

export interface ProcessUsage {
  /** User + system CPU time of the process so far, µs. */
  readonly cpuUs: number;
  /** The system (kernel) part of it, µs: on loopback the sender's writes carry much of the receiving side's TCP work. */
  readonly systemUs: number;
  /** Time spent in garbage collection pauses so far, ms (minor and major), and how many major ones. */
  readonly gcMs: number;
  readonly majorGcs: number;
  readonly heapUsed: number;
  readonly rss: number;
  readonly sockets: number;
}

const gc = { ms: 0, major: 0 };
// One callback per collection, in both servers alike: where a step's CPU went when it differs.
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.ms += entry.duration;
    if ((entry as { detail?: { kind?: number } }).detail?.kind === perf.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
  }
}).observe({ entryTypes: ['gc'] });

/** This process's CPU and memory; with `collect`, after full garbage collections (needs --expose-gc). */
export function processUsage(sockets: number, collect = false): ProcessUsage {
  if (collect) {
    if (!globalThis.gc) throw new Error('start the server with --expose-gc to measure memory after gc()');
    for (let i = 0; i < 3; i++) globalThis.gc();
  }
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    systemUs: cpu.system,
    gcMs: gc.ms,
    majorGcs: gc.major,
    heapUsed: memory.heapUsed,
    rss: memory.rss,
    sockets,
  };
}

/** A write-then-deliver load's record: each committed business fact, when its commit returned. */
export interface Commit {
  readonly invoiceId: string;
  readonly organizationId: string;
  readonly committedAt: number;
}

export interface LoadResult {
  /** Every write committed, the ones that finished in the drain after the load stopped included. */
  readonly commits: Commit[];
  /** Writes committed while the load was offered: past the rate writes keep up with, the rest queue for the drain. */
  readonly committedWhileOffered: number;
  readonly failures: number;
  readonly firstFailure: string | undefined;
  readonly maxInFlight: number;
}

export type LoadKind = 'event' | 'service';

/** What a server under test listens on, and the handshake every client will send. */
export interface Prepared {
  readonly port: number;
  /** `port` first, then the other ports the same server answers on (see `listenAlso`). */
  readonly ports: number[];
  readonly clients: ClientSpec[];
}

/** The methods both servers under test offer the orchestrator. */
export interface ServerUnderTest {
  /** Listens; `ports`: on that many ports of 127.0.0.1 in all, one for each generator of the scale scenario. */
  prepare(params?: { ports?: number }): Promise<Prepared>;
  usage(params: { collect: boolean }): ProcessUsage;
  /** Scenario 1: organization events straight to the fan-out at `rate`/s for `durationMs`. */
  fanout(params: { rate: number; durationMs: number }): Promise<{ emitted: number }>;
  /**
   * Scenarios 3 and 4: writes committed at `rate`/s, each delivered after its commit. `event`: one committed
   * event per write (Operate: EventsService.publish; bare: an INSERT, then emit). `service` (Operate only): a
   * feature's whole transaction, InvoicesService.create.
   */
  startLoad(params: { rate: number; kind: LoadKind }): void;
  stopLoad(): Promise<LoadResult>;
  profileStart(): Promise<void>;
  profileStop(params: { path: string }): Promise<string>;
  close(): Promise<void>;
}

const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Business writes at a fixed offered rate, each one `write(organizationId, sequence)` → the id it committed.
 * The commit time is taken when `write` resolves.
 * Writes overlap (a slow commit does not slow the offered load); failures are counted, never hidden.
 */
export class CommitLoad {
  private pacer: Pacer | undefined;
  private commits: Commit[] = [];
  private failures = 0;
  private firstFailure: string | undefined;
  private inFlight = 0;
  private maxInFlight = 0;
  private sequence = 0;
  private readonly cycle: OrganizationCycle;

  constructor(
    organizations: readonly string[],
    private readonly write: (organizationId: string, sequence: number) => Promise<string>,
    /** Runs right after the commit time is taken: a bare server emits here. */
    private readonly afterCommit: (commit: Commit, sequence: number) => void = () => undefined,
  ) {
    this.cycle = new OrganizationCycle(organizations);
  }

  start(rate: number): void {
    if (this.pacer) throw new Error('a load is already running');
    this.commits = [];
    this.failures = 0;
    this.firstFailure = undefined;
    this.maxInFlight = 0;
    this.pacer = pace(rate, (count) => {
      for (let i = 0; i < count; i++) this.one(this.cycle.take());
    });
  }

  async stop(): Promise<LoadResult> {
    this.pacer?.stop();
    this.pacer = undefined;
    const committedWhileOffered = this.commits.length;
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(10);
    return {
      commits: this.commits,
      committedWhileOffered,
      failures: this.failures + this.inFlight,
      firstFailure:
        this.firstFailure ?? (this.inFlight > 0 ? `${this.inFlight} writes still pending after ${DRAIN_TIMEOUT_MS} ms` : undefined),
      maxInFlight: this.maxInFlight,
    };
  }

  private one(organizationId: string): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const sequence = ++this.sequence;
    this.write(organizationId, sequence).then(
      (invoiceId) => {
        this.inFlight--;
        const commit = { invoiceId, organizationId, committedAt: now() };
        this.commits.push(commit);
        this.afterCommit(commit, sequence);
      },
      (error: unknown) => {
        this.inFlight--;
        this.failures++;
        this.firstFailure ??= error instanceof Error ? error.message : String(error);
      },
    );
  }
}

/** A V8 CPU profile of one scenario window (BENCH_PROFILE), taken in-process through the inspector. */
export class WindowProfiler {
  private session: Session | undefined;

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.start');
  }

  /** Writes the profile (open it in Chrome DevTools or VS Code) and returns its path. */
  async stop(path: string): Promise<string> {
    if (!this.session) throw new Error('the profiler was not started');
    const { profile } = await this.session.post('Profiler.stop');
    this.session.disconnect();
    this.session = undefined;
    writeFileSync(path, JSON.stringify(profile));
    return path;
  }
}

/** The ports `listenAlso` opened, and how to close them. */
export interface ExtraListeners {
  readonly ports: number[];
  close(): void;
}

/**
 * `count` more ports on 127.0.0.1 whose connections the HTTP server takes as if it had accepted them itself.
 * Every bench client connects from 127.0.0.1, so to one port the kernel finds each new connection a free local
 * port among those already connected there; past about half the ephemeral range that search walks the ports in
 * use, its cost growing with them — the generators' kernel time, on the cores the server shares. Clients of a
 * real node arrive from many addresses; a port per generator gives each one its own range, as they would.
 */
export async function listenAlso(httpServer: HttpServer, count: number): Promise<ExtraListeners> {
  const listeners = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const listener = createServer((socket) => httpServer.emit('connection', socket));
          listener.once('error', reject);
          listener.listen(0, '127.0.0.1', () => resolve(listener));
        }),
    ),
  );
  return {
    ports: listeners.map((listener) => (listener.address() as AddressInfo).port),
    close: () => listeners.forEach((listener) => listener.close()),
  };
}
