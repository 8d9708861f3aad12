/**
 * `pnpm bench`: Operate's realtime layer side by side with a bare socket.io 4.8 server, in one run on one
 * machine, reported as ratios. Forks each server and one load generator per server; loopback only;
 * every wait is bounded and the whole run stops itself after RUN_LIMIT_MS.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { NODE_OPTIONS } from '@operate/api/config/config.js';
import pg from 'pg';
import type { api as DashboardsApi, CacheMode } from './dashboards.js';
import type { api as GeneratorApi, Protocol, Receipt } from './generator.js';
import type { api as OperateApi } from './operate-server.js';
import { spawnBenchProcess, type Api, type Remote } from './ipc.js';
import {
  kb,
  renderMarkdown,
  type BenchResult,
  type BigOrgResult,
  type BigOrgRun,
  type CommitResult,
  type ConnectResult,
  type CrossNodeResult,
  type FanoutStep,
  type MemoryResult,
  type RelayCeiling,
  type ScalePoint,
  type StormResult,
} from './report.js';
import { climb, distribution, median } from './stats.js';
import { USERS_PER_ORGANIZATION, type ClientSpec, type LoadKind, type LoadResult, type ServerUnderTest } from './workload.js';

const RUN_LIMIT_MS = 25 * 60_000;
const CALL_TIMEOUT_MS = 120_000;
const CONNECT_CONCURRENCY = 200;
const STORM_CONCURRENCY = Number(process.env.BENCH_STORM_CONCURRENCY ?? 500);
const ATTACH_TIMEOUT_MS = 30_000;
const COMMIT_RATE = 1_000;
const COMMIT_DURATION_MS = 10_000;
const STORM_RATE = Number(process.env.BENCH_STORM_RATE ?? 200);
/** InvoicesService.create's whole transaction is bound by Prisma's client CPU on this machine: offered lower. */
const SERVICE_RATE = 300;
const STORM_STEADY_MS = 2_000;
/** Storms per server, the servers in turns (the order alternating): one storm's time swings with the machine. */
const STORM_ROUNDS = 3;
const FANOUT_RATES = [1_000, 2_000, 4_000, 6_000, 8_000];
/** The outbox's ceiling: commit rates offered in turn, each for CEILING_STEP_MS; finer where both servers stop here. */
const CEILING_RATES = [1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000, 5_000, 6_000, 8_000, 10_000, 12_000, 16_000, 20_000];
const CEILING_STEP_MS = 5_000;
const FANOUT_WARMUP_MS = 2_000;
const FANOUT_STEP_MS = 4_000;
const FANOUT_ROUNDS = 5;
const SUSTAINED_P99_MS = 100;
/** A generator above this share of its one core may be what limits a step: the step is flagged. */
const GENERATOR_BOUND_SHARE = 0.9;
const SETTLE_MS = 3_000;
/**
 * The login wave is timed this many times per server, alternating which goes first: the first wave (with the
 * memory measurement) and fresh waves after every client left. Between waves a server rests longer than Operate's
 * presence grace (10 s by default), so each wave finds everyone offline, as a morning's does.
 */
const CONNECT_ROUNDS = 5;
const CONNECT_REST_MS = 12_000;
/**
 * The big organization: its dashboards in BIG_ORG_PROCESSES generator processes, opening BIG_ORG_WAVE at a time.
 * The dashboard as it was (`legacy`) is measured on fewer people: it would send a million presence requests at 1,000.
 */
const BIG_ORG: Record<CacheMode, { clients: number; events: number; rate: number }> = {
  rules: { clients: 1_000, events: 100, rate: 5 },
  legacy: { clients: 200, events: 20, rate: 5 },
};
const BIG_ORG_PROCESSES = 2;
/**
 * Many clients on one node, their generator split over processes (one process tops out near a core). Not 20,000:
 * a process here may hold at most 20,000 open files (hard limit, not raisable), and the node needs some besides
 * its sockets, more during a storm while old connections close as new ones open.
 */
const SCALE_CLIENTS = Number(process.env.BENCH_SCALE_CLIENTS ?? 19_000);
const SCALE_GENERATORS = Number(process.env.BENCH_SCALE_GENERATORS ?? 4);
const SCALE_CALL_TIMEOUT_MS = 300_000;
/** Two nodes on Redis: the commit rate, and how long node B's CPU is taken at rest and under node A's events. */
const CROSS_NODE_RATE = 1_000;
/** Node A's commit rate while node B's CPU is taken: twice the events against the same noise of B at rest. */
const CROSS_NODE_IDLE_RATE = 2_000;
const CROSS_NODE_MS = 10_000;
const CROSS_NODE_SETTLE_MS = 1_000;
const CROSS_NODE_LOAD_WINDOWS = 3;
/** Rounds (a load window and the rest window after it) at most, when B's own full collections spoil some. */
const CROSS_NODE_MAX_ROUNDS = 6;
const CROSS_NODE_WARMUP_MS = 1_000;
const LEADER_WAIT_MS = 10_000;
const BIG_ORG_WAVE = 100;

function log(line: string): void {
  process.stdout.write(`bench: ${line}\n`);
}

type Name = 'bare' | 'operate';

interface Target {
  readonly name: Name;
  readonly server: Remote<ServerUnderTest>;
  readonly generator: Remote<typeof GeneratorApi>;
  readonly protocol: Protocol;
  url: string;
  clients: ClientSpec[];
  /** Client indexes by organization. */
  members: Map<string, number[]>;
}

const entry = (file: string) => new URL(`./${file}`, import.meta.url);

/**
 * BENCH_CALIBRATE=1: the fan-out against a second bare server in Operate's place — what the machine reads
 * when there is no difference, to judge the fan-out's ratios by.
 */
const calibrating = process.env.BENCH_CALIBRATE === '1';
/** BENCH_ONLY=memory,commit,storm,fanout,ceiling,embedded,bigorg,scale,crossnode runs a subset (memory is always taken: it comes with connecting). */
const only = new Set(calibrating ? ['fanout'] : (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const runs = (scenario: string) => only.size === 0 || only.has(scenario);
/** BENCH_PROFILE=operate:commit (server:scenario) writes that server's CPU profile of that scenario to bench/results/profiles/. */
const [profiledServer, profiledScenario] = (process.env.BENCH_PROFILE ?? '').split(':');
const profileDir = new URL('../results/profiles/', import.meta.url);

/** Runs one scenario on one target, profiled when BENCH_PROFILE names both. */
async function scenario<T>(target: Target, name: string, run: () => Promise<T>): Promise<T> {
  if (target.name !== profiledServer || name !== profiledScenario) return run();
  mkdirSync(profileDir, { recursive: true });
  await target.server.call('profileStart');
  try {
    return await run();
  } finally {
    const path = await target.server.call('profileStop', { path: new URL(`${target.name}-${name}.cpuprofile`, profileDir).pathname });
    log(`profile written: ${path}`);
  }
}

/** A server under test in a process of its own, with gc() exposed to measure memory; `env` on top of this one's. */
function spawnServer<A extends Api<A>>(
  label: string,
  file: 'bare-server.js' | 'operate-server.js',
  env: NodeJS.ProcessEnv,
): Promise<Remote<A>> {
  return spawnBenchProcess<A>(label, entry(file), {
    // Both servers run with the Node.js options an API node is deployed with (.env.example): the ratios compare
    // servers, not V8 settings.
    execArgv: ['--expose-gc', ...NODE_OPTIONS.split(' ')],
    env: { ...process.env, ...env },
    callTimeoutMs: CALL_TIMEOUT_MS,
  });
}

async function startTarget(name: Name, databaseUrl: string | undefined): Promise<Target> {
  const server = await spawnServer<ServerUnderTest>(name, name === 'bare' || calibrating ? 'bare-server.js' : 'operate-server.js', {
    BENCH_DATABASE_URL: databaseUrl ?? '',
  });
  const generator = await spawnBenchProcess<typeof GeneratorApi>(`${name} generator`, entry('generator.js'), {
    callTimeoutMs: CALL_TIMEOUT_MS,
  });
  return { name, server, generator, protocol: calibrating ? 'bare' : name, url: '', clients: [], members: new Map() };
}

async function stopTarget(target: Target): Promise<void> {
  await target.generator.call('close').catch(() => undefined);
  await target.server.call('close').catch(() => undefined);
  await Promise.all([target.generator.stop(), target.server.stop()]);
}

/** One login wave: seconds until the last client was attached, and the server's CPU meanwhile. */
interface Wave {
  readonly seconds: number;
  readonly serverCpuSeconds: number;
}

/** Every client of the target connects, CONNECT_CONCURRENCY at a time. */
async function loginWave(target: Target, again: boolean): Promise<Wave> {
  const before = await target.server.call('usage', { collect: false });
  const wave = await target.generator.call('connect', {
    url: target.url,
    clients: target.clients,
    protocol: target.protocol,
    concurrency: CONNECT_CONCURRENCY,
    timeoutMs: ATTACH_TIMEOUT_MS,
  });
  const when = again ? ' again' : '';
  if (wave.failed > 0) throw new Error(`${target.name}: ${wave.failed} clients could not connect${when}: ${wave.errors.join('; ')}`);
  const after = await target.server.call('usage', { collect: false });
  const serverCpuSeconds = (after.cpuUs - before.cpuUs) / 1e6;
  log(
    `${target.name}: ${wave.attached} clients attached${when} in ${(wave.totalMs / 1000).toFixed(1)} s ` +
      `(CPU: server ${serverCpuSeconds.toFixed(2)} s, of which GC ${((after.gcMs - before.gcMs) / 1000).toFixed(2)} s, ` +
      `generator ${(wave.cpuUs / 1e6).toFixed(2)} s)`,
  );
  return { seconds: wave.totalMs / 1000, serverCpuSeconds };
}

/** Starts the target's server listening and takes its clients (what `connect` does first unless told it is done). */
async function listen(target: Target): Promise<void> {
  const { port, clients } = await target.server.call('prepare');
  target.url = `http://127.0.0.1:${port}`;
  target.clients = clients;
  target.members = membersOf(clients);
}

/** Scenario 2 is taken here: memory after gc() before and after the 5,000 idle connections. */
async function connect(target: Target, listening = false): Promise<MemoryResult> {
  if (!listening) await listen(target);
  const before = await target.server.call('usage', { collect: true });
  const wave = await loginWave(target, false);
  await sleep(SETTLE_MS);
  const after = await target.server.call('usage', { collect: true });
  return {
    connections: after.sockets,
    heapPerConnection: (after.heapUsed - before.heapUsed) / after.sockets,
    rssPerConnection: (after.rss - before.rss) / after.sockets,
    connectSeconds: wave.seconds,
    connectCpuSeconds: wave.serverCpuSeconds,
  };
}

/**
 * Every client drops at once and comes back with its cursor (no writes meanwhile): the heap each connection holds
 * then over what it held fresh, after gc() — past the presence grace, when what the drop left pending is done.
 * Real clients resume after every deploy or network blip.
 */
async function resumedHeap(target: Target): Promise<number> {
  await sleep(SETTLE_MS);
  const fresh = await target.server.call('usage', { collect: true });
  const storm = await target.generator.call('storm', { concurrency: STORM_CONCURRENCY, timeoutMs: ATTACH_TIMEOUT_MS });
  if (storm.failed > 0) throw new Error(`${target.name}: ${storm.failed} clients could not resume: ${storm.errors.join('; ')}`);
  await sleep(CONNECT_REST_MS);
  const resumed = await target.server.call('usage', { collect: true });
  if (resumed.sockets !== fresh.sockets)
    throw new Error(`${target.name}: ${fresh.sockets} sockets before resuming, ${resumed.sockets} after`);
  const perConnection = (resumed.heapUsed - fresh.heapUsed) / resumed.sockets;
  log(
    `${target.name}: ${storm.attached} clients resumed; heap per connection ${perConnection >= 0 ? '+' : ''}${perConnection.toFixed(0)} B over fresh`,
  );
  return perConnection;
}

/** Every client leaves; once the server has no socket and has rested, all of them connect again. */
async function reconnectFresh(target: Target): Promise<Wave> {
  await target.generator.call('close');
  const deadline = Date.now() + ATTACH_TIMEOUT_MS;
  while ((await target.server.call('usage', { collect: false })).sockets > 0) {
    if (Date.now() > deadline) throw new Error(`${target.name}: sockets still open after every client left`);
    await sleep(100);
  }
  await sleep(CONNECT_REST_MS);
  return loginWave(target, true);
}

/** The login wave of both servers, CONNECT_ROUNDS times: the first wave's time, then fresh ones, alternating the order. */
async function loginWaves(targets: readonly Target[], memory: Record<Name, MemoryResult>): Promise<Record<Name, ConnectResult>> {
  const first = (name: Name): Wave => ({ seconds: memory[name].connectSeconds, serverCpuSeconds: memory[name].connectCpuSeconds });
  const rounds: Record<Name, Wave[]> = { bare: [first('bare')], operate: [first('operate')] };
  for (let round = 1; round < CONNECT_ROUNDS; round++)
    for (const target of round % 2 === 1 ? [...targets].reverse() : targets)
      // BENCH_PROFILE=operate:wave: a warmed wave's profile (each later wave overwrites it; the last one stays).
      rounds[target.name].push(await scenario(target, 'wave', () => reconnectFresh(target)));
  const result = (name: Name): ConnectResult => ({
    clients: memory[name].connections,
    seconds: median(rounds[name].map((wave) => wave.seconds)),
    rounds: rounds[name].map((wave) => wave.seconds),
    serverCpuRounds: rounds[name].map((wave) => wave.serverCpuSeconds),
  });
  return { bare: result('bare'), operate: result('operate') };
}

/** Pulls receipts until `expected` arrived or nothing new came for a while; then stops recording. */
async function collectReceipts(target: Pick<Target, 'generator'>, expected: number): Promise<Receipt[]> {
  const receipts: Receipt[] = [];
  let quietSince = Date.now();
  const deadline = Date.now() + 15_000;
  while (receipts.length < expected && Date.now() - quietSince < 3_000 && Date.now() < deadline) {
    const more = await target.generator.call('receipts');
    if (more.length > 0) quietSince = Date.now();
    // One by one: spreading hundreds of thousands of receipts into push() overflows the stack.
    for (const receipt of more) receipts.push(receipt);
    await sleep(200);
  }
  await target.generator.call('record', { on: false });
  for (const receipt of await target.generator.call('receipts')) receipts.push(receipt);
  return receipts;
}

interface Audit {
  readonly expected: number;
  readonly delivered: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly latencies: number[];
}

/** Every committed write must reach each of its organization's clients exactly once. */
function audit(target: Pick<Target, 'members'>, load: LoadResult, receipts: readonly Receipt[]): Audit {
  const committed = new Map(load.commits.map((commit) => [commit.invoiceId, commit]));
  const seen = new Set<string>();
  let duplicates = 0;
  const latencies: number[] = [];
  for (const [client, invoiceId, at] of receipts) {
    const commit = committed.get(invoiceId);
    if (!commit) continue;
    const key = `${client}:${invoiceId}`;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    latencies.push(at - commit.committedAt);
  }
  let expected = 0;
  for (const commit of load.commits) expected += target.members.get(commit.organizationId)?.length ?? 0;
  return { expected, delivered: seen.size, missing: expected - seen.size, duplicates, latencies };
}

/** Scenario 3: business writes committed at 1,000/s; the time from each commit to each of its clients. */
async function commitToClient(
  target: Target,
  database: string,
  kind: LoadKind = 'event',
  rate = COMMIT_RATE,
  durationMs = COMMIT_DURATION_MS,
): Promise<CommitResult> {
  await target.generator.call('record', { on: true });
  await target.server.call('startLoad', { rate, kind });
  await sleep(durationMs);
  const load = await target.server.call('stopLoad');
  const receipts = await collectReceipts(target, load.commits.length * USERS_PER_ORGANIZATION);
  const checked = audit(target, load, receipts);
  const latency = distribution(checked.latencies);
  log(
    `${target.name} on ${database} (${kind} at ${rate}/s): ${load.commits.length} commits, ${load.committedWhileOffered} of them while offered (${load.failures} failed${load.firstFailure ? `: ${load.firstFailure.split('\n')[0]}` : ''}), p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, ${checked.missing} missing`,
  );
  return {
    database,
    kind,
    offeredPerSecond: rate,
    // What was committed while the load ran: commits the drain made afterwards show a queue, not a rate.
    committedPerSecond: load.committedWhileOffered / (durationMs / 1000),
    failures: load.failures,
    firstFailure: load.firstFailure,
    maxInFlight: load.maxInFlight,
    deliveries: checked.delivered,
    missing: checked.missing,
    duplicates: checked.duplicates,
    latencyMs: latency,
  };
}

/** A commit load is sustained when every write committed, reached every client, with p99 ≤ SUSTAINED_P99_MS. */
const commitSustained = (step: CommitResult) =>
  step.failures === 0 &&
  step.missing === 0 &&
  step.latencyMs.p99 <= SUSTAINED_P99_MS &&
  step.committedPerSecond >= step.offeredPerSecond * 0.95;

/**
 * The outbox's ceiling: events committed each in its own transaction (Operate: EventsService.publish; bare: an
 * INSERT, then emit) at rising rates until one is not sustained (see climb); the highest sustained one stands for it.
 */
async function relayCeiling(target: Target): Promise<RelayCeiling> {
  const steps = await climb(CEILING_RATES, (rate) => commitToClient(target, 'PostgreSQL', 'event', rate, CEILING_STEP_MS), {
    sustained: commitSustained,
    // Missed on p99 alone; a missing event or a commit not made is never taken again.
    retryable: (step) => commitSustained({ ...step, latencyMs: { ...step.latencyMs, p99: 0 } }),
  });
  const best = steps.filter(commitSustained).at(-1);
  return {
    eventsPerSecond: best?.offeredPerSecond ?? 0,
    p99Ms: best?.latencyMs.p99 ?? Number.NaN,
    missing: best?.missing ?? 0,
    steps: steps.map((step) => ({
      offeredPerSecond: step.offeredPerSecond,
      committedPerSecond: step.committedPerSecond,
      p99Ms: step.latencyMs.p99,
      missing: step.missing,
      failures: step.failures,
      sustained: commitSustained(step),
    })),
  };
}

/** Scenario 4: all clients drop at once and come back while writes go on at 200/s. */
async function reconnectStorm(target: Target): Promise<StormResult> {
  await target.generator.call('record', { on: true });
  await target.server.call('startLoad', { rate: STORM_RATE, kind: 'event' });
  await sleep(STORM_STEADY_MS);
  const before = await target.server.call('usage', { collect: false });
  const storm = await target.generator.call('storm', { concurrency: STORM_CONCURRENCY, timeoutMs: ATTACH_TIMEOUT_MS });
  const after = await target.server.call('usage', { collect: false });
  await sleep(STORM_STEADY_MS);
  const load = await target.server.call('stopLoad');
  const receipts = await collectReceipts(target, load.commits.length * USERS_PER_ORGANIZATION);
  const checked = audit(target, load, receipts);
  log(
    `${target.name} storm: ${storm.attached}/${target.clients.length} back, last after ${(storm.attachMs.max / 1000).toFixed(2)} s; ${checked.missing} gaps, ${checked.duplicates} duplicates, ${storm.resets} resets; server CPU ${((after.cpuUs - before.cpuUs) / storm.attachMs.max / 10).toFixed(0)}%, generator ${(storm.cpuShare * 100).toFixed(0)}%`,
  );
  return {
    clients: target.clients.length,
    reattached: storm.attached,
    failed: storm.failed,
    caughtUpSeconds: storm.attachMs.max / 1000,
    serverCpuShare: (after.cpuUs - before.cpuUs) / storm.attachMs.max / 1000,
    serverCpuSeconds: (after.cpuUs - before.cpuUs) / 1e6,
    generatorCpuShare: storm.cpuShare,
    medianSeconds: storm.attachMs.p50 / 1000,
    eventsDuring: load.commits.length,
    replayed: storm.replayed,
    resets: storm.resets,
    gaps: checked.missing,
    duplicates: checked.duplicates,
    errors: storm.errors,
  };
}

/** Several storms of one server as one result: the median times, every round's time, the counts summed. */
function stormRounds(results: readonly StormResult[]): StormResult {
  const sum = (value: (result: StormResult) => number) => results.reduce((total, result) => total + value(result), 0);
  const middle = (value: (result: StormResult) => number) => median(results.map(value));
  return {
    clients: middle((result) => result.clients),
    reattached: Math.min(...results.map((result) => result.reattached)),
    failed: sum((result) => result.failed),
    caughtUpSeconds: middle((result) => result.caughtUpSeconds),
    medianSeconds: middle((result) => result.medianSeconds),
    serverCpuShare: middle((result) => result.serverCpuShare),
    serverCpuSeconds: middle((result) => result.serverCpuSeconds ?? Number.NaN),
    generatorCpuShare: middle((result) => result.generatorCpuShare),
    eventsDuring: sum((result) => result.eventsDuring),
    replayed: sum((result) => result.replayed),
    resets: sum((result) => result.resets),
    gaps: sum((result) => result.gaps),
    duplicates: sum((result) => result.duplicates),
    errors: results.flatMap((result) => result.errors).slice(0, 5),
    rounds: results.map((result) => result.caughtUpSeconds),
  };
}

/** Scenario 1, one step: organization events at `rate`/s straight into the fan-out. */
async function fanoutStep(target: Target, rate: number, durationMs: number): Promise<FanoutStep> {
  const base = await target.generator.call('measureStart');
  const before = await target.server.call('usage', { collect: false });
  const { emitted } = await target.server.call('fanout', { rate, durationMs });
  const expected = emitted * USERS_PER_ORGANIZATION;
  const deadline = Date.now() + 2_000;
  while ((await target.generator.call('deliveries')) - base < expected && Date.now() < deadline) await sleep(20);
  const after = await target.server.call('usage', { collect: false });
  const measured = await target.generator.call('measureStop');
  const serverCpuUs = after.cpuUs - before.cpuUs;
  const generatorShare = measured.cpuUs / (measured.wallMs * 1000);
  return {
    offeredPerSecond: rate,
    emitted,
    expected,
    delivered: measured.deliveries,
    cpuUsPerDelivery: serverCpuUs / Math.max(1, measured.deliveries),
    serverCpuShare: serverCpuUs / (measured.wallMs * 1000),
    systemShare: (after.systemUs - before.systemUs) / Math.max(1, serverCpuUs),
    gcUsPerDelivery: ((after.gcMs - before.gcMs) * 1000) / Math.max(1, measured.deliveries),
    majorGcs: after.majorGcs - before.majorGcs,
    generatorCpuShare: generatorShare,
    generatorBound: generatorShare > GENERATOR_BOUND_SHARE,
    latencyMs: measured.latencyMs,
    sustained: measured.deliveries >= expected && measured.latencyMs.p99 <= SUSTAINED_P99_MS,
  };
}

/**
 * Scenario 1: each offered load is measured FANOUT_ROUNDS times per server, alternating which server goes
 * first, and the median round (by CPU per delivery) stands for it — single steps on this shared machine
 * vary by ±30%. A server that did not sustain a load in most rounds is not offered higher ones.
 */
async function fanoutSteps(targets: readonly Target[]): Promise<Record<Name, FanoutStep[]>> {
  const steps: Record<Name, FanoutStep[]> = { bare: [], operate: [] };
  for (const target of targets) await fanoutStep(target, FANOUT_RATES[0] ?? 1_000, FANOUT_WARMUP_MS);
  const active = new Set(targets);
  for (const rate of FANOUT_RATES) {
    const rounds = new Map<Target, FanoutStep[]>();
    for (let round = 0; round < FANOUT_ROUNDS; round++) {
      const order = round % 2 === 0 ? [...targets] : [...targets].reverse();
      for (const target of order.filter((candidate) => active.has(candidate))) {
        rounds.set(target, [...(rounds.get(target) ?? []), await fanoutStep(target, rate, FANOUT_STEP_MS)]);
      }
    }
    for (const [target, measured] of rounds) {
      const sorted = [...measured].sort((a, b) => a.cpuUsPerDelivery - b.cpuUsPerDelivery);
      const median = sorted[Math.floor(sorted.length / 2)] as FanoutStep;
      const sustained = measured.filter((step) => step.sustained).length > measured.length / 2;
      const step = {
        ...median,
        sustained,
        rounds: measured.map((each) => Number(each.cpuUsPerDelivery.toFixed(2))),
        roundDeliveries: measured.map((each) => each.delivered),
      };
      const gc = measured.map((each) => `${each.gcUsPerDelivery.toFixed(1)}`).join(', ');
      steps[target.name].push(step);
      log(
        `${target.name} fan-out ${rate}/s: ${step.cpuUsPerDelivery.toFixed(2)} µs/delivery (rounds ${step.rounds.join(', ')}; of it in GC pauses ${gc}), p99 ${step.latencyMs.p99.toFixed(1)} ms, server ${(step.serverCpuShare * 100).toFixed(0)}%, generator ${(step.generatorCpuShare * 100).toFixed(0)}%${sustained ? '' : ' — not sustained'}`,
      );
      // Higher loads would only be further past saturation.
      if (!sustained) active.delete(target);
    }
    if (active.size === 0) break;
  }
  return steps;
}

/** Waits until no more view updates arrive (or `expected` did), taking them without spreading into a call's arguments. */
async function collectViews(
  generators: readonly Remote<typeof DashboardsApi>[],
  expected: number,
): Promise<{ views: [string, number][]; arrivals: [string, number][] }> {
  const views: [string, number][] = [];
  const arrivals: [string, number][] = [];
  let quietSince = Date.now();
  const deadline = Date.now() + 60_000;
  while (views.length < expected && Date.now() - quietSince < 3_000 && Date.now() < deadline) {
    for (const generator of generators) {
      const taken = await generator.call('viewUpdates');
      for (const view of taken.views) views.push(view);
      for (const arrival of taken.arrivals) arrivals.push(arrival);
      if (taken.views.length > 0) quietSince = Date.now();
    }
    await sleep(200);
  }
  return { views, arrivals };
}

/** Milliseconds from each invoice's commit to each moment recorded for it. */
function sinceCommit(committedAt: ReadonlyMap<string, number>, moments: readonly [string, number][]): number[] {
  const latencies: number[] = [];
  for (const [invoiceId, at] of moments) {
    const committed = committedAt.get(invoiceId);
    if (committed !== undefined) latencies.push(at - committed);
  }
  return latencies;
}

/**
 * The big organization: its people open their dashboards in a login wave, then its owner creates invoices
 * through InvoicesService; what each dashboard asked of the API and when its invoice view showed each invoice.
 */
async function bigOrganization(databaseUrl: string, mode: CacheMode): Promise<BigOrgRun> {
  const { clients, events, rate } = BIG_ORG[mode];
  const server = await spawnServer<typeof OperateApi>(`operate (big organization, ${mode})`, 'operate-server.js', {
    BENCH_DATABASE_URL: databaseUrl,
  });
  const generators = await Promise.all(
    Array.from({ length: BIG_ORG_PROCESSES }, (_, index) =>
      spawnBenchProcess<typeof DashboardsApi>(`dashboards ${index + 1}`, entry('dashboards.js'), { callTimeoutMs: CALL_TIMEOUT_MS }),
    ),
  );
  try {
    await server.call('prepare');
    const { port, specs } = await server.call('bigOrganization', { size: clients });
    const url = `http://127.0.0.1:${port}`;
    const before = await server.call('usage', { collect: false });
    const waves = await Promise.all(
      generators.map((generator, index) =>
        generator.call('open', {
          url,
          specs: specs.filter((_, at) => at % generators.length === index),
          mode,
          concurrency: BIG_ORG_WAVE / generators.length,
        }),
      ),
    );
    const opened = waves.reduce((sum, wave) => sum + wave.opened, 0);
    if (opened < clients) {
      const counts = await Promise.all(generators.map((generator) => generator.call('counts')));
      throw new Error(
        `big organization: ${opened} of ${clients} dashboards opened (${counts.map((count) => count.firstFailure).join('; ')})`,
      );
    }
    // What the wave's presence changes made the dashboards fetch, once each had loaded.
    await sleep(SETTLE_MS);
    const waveCounts = await Promise.all(generators.map((generator) => generator.call('counts')));
    const presenceGetsAfterLoad = waveCounts.reduce((sum, count) => sum + count.presenceGetsAfterLoad, 0);
    await Promise.all(generators.map((generator) => generator.call('resetCounts')));

    // BENCH_PROFILE=dashboards:bigorg: the first dashboard process's CPU profile while the invoices arrive.
    const profiled = profiledServer === 'dashboards' && profiledScenario === 'bigorg' ? generators[0] : undefined;
    if (profiled) await profiled.call('profileStart');
    const load = await server.call('bigOrganizationInvoices', { count: events, rate });
    const { views, arrivals } = await collectViews(generators, load.commits.length * opened);
    if (profiled) {
      mkdirSync(profileDir, { recursive: true });
      log(
        `profile written: ${await profiled.call('profileStop', { path: new URL(`dashboards-bigorg-${mode}.cpuprofile`, profileDir).pathname })}`,
      );
    }
    const after = await server.call('usage', { collect: false });
    const phase = await Promise.all(generators.map((generator) => generator.call('counts')));
    const requests = phase.reduce((sum, count) => sum + count.invoiceGetsAfterLoad + count.presenceGetsAfterLoad, 0);
    const committedAt = new Map(load.commits.map((commit) => [commit.invoiceId, commit.committedAt]));
    const latencies = sinceCommit(committedAt, views);
    const arrival = distribution(sinceCommit(committedAt, arrivals));
    const deliveries = load.commits.length * opened;
    const result: BigOrgRun = {
      clients: opened,
      events: load.commits.length,
      restRequestsPerEvent: requests / Math.max(1, deliveries),
      presenceGetsAfterLoad,
      apiCpuSeconds: (after.cpuUs - before.cpuUs) / 1e6,
      p99ViewUpdateMs: distribution(latencies).p99,
      p99EventArrivalMs: arrival.p99,
      missingViews: deliveries - latencies.length,
      loginWaveSeconds: Math.max(...waves.map((wave) => wave.seconds)),
      generatorCpuShare: Math.max(...phase.map((count) => count.cpuShare)),
    };
    log(
      `big organization (${mode}): ${opened} dashboards in ${result.loginWaveSeconds.toFixed(1)} s, ${int(presenceGetsAfterLoad)} presence GETs after load; ${load.commits.length} invoices → ${result.restRequestsPerEvent.toFixed(3)} REST requests per delivered event, view p99 ${result.p99ViewUpdateMs.toFixed(1)} ms (event at the client p50 ${arrival.p50.toFixed(1)} / p99 ${arrival.p99.toFixed(1)} ms), ${result.missingViews} missing; API CPU ${result.apiCpuSeconds.toFixed(1)} s; busiest generator ${(result.generatorCpuShare * 100).toFixed(0)}% of a core`,
    );
    return result;
  } finally {
    await Promise.all(generators.map((generator) => generator.call('close').catch(() => undefined)));
    await server.call('close').catch(() => undefined);
    await Promise.all([...generators.map((generator) => generator.stop()), server.stop()]);
  }
}

/** Which deliveries never arrived: client, invoice, its place among its organization's commits, what the client got after. */
function describeMissing(target: Pick<Target, 'members'>, load: LoadResult, receipts: readonly Receipt[]): string {
  const got = new Set(receipts.map(([client, invoiceId]) => `${client}:${invoiceId}`));
  const lastAt = new Map<number, number>();
  for (const [client, , at] of receipts) lastAt.set(client, Math.max(lastAt.get(client) ?? at, at));
  const stoppedAt = load.commits.reduce((latest, commit) => Math.max(latest, commit.committedAt), 0);
  const lines: string[] = [];
  for (const commit of load.commits)
    for (const client of target.members.get(commit.organizationId) ?? [])
      if (!got.has(`${client}:${commit.invoiceId}`) && lines.length < 5)
        lines.push(
          `client ${client} invoice ${commit.invoiceId} committed ${(stoppedAt - commit.committedAt).toFixed(0)} ms before the last commit; ${lastReceipt(lastAt.get(client), commit.committedAt)}`,
        );
  return lines.join('; ');
}

/** When a client's last receipt came, next to a commit it never got — or that it got nothing at all. */
function lastReceipt(at: number | undefined, committedAt: number): string {
  return at === undefined
    ? 'the client received nothing while recording'
    : `the client's last receipt ${(at - committedAt).toFixed(0)} ms after it`;
}

/** Client indexes by organization, as one generator numbers its share of the clients. */
function membersOf(clients: readonly ClientSpec[]): Map<string, number[]> {
  const members = new Map<string, number[]>();
  clients.forEach((client, index) => {
    const list = members.get(client.organizationId);
    if (list) list.push(index);
    else members.set(client.organizationId, [index]);
  });
  return members;
}

/**
 * SCALE_CLIENTS on one node: memory per connection after gc(), the login wave, and the reconnect storm under
 * the storm's write load — the same in-flight handshakes as at 5,000, spread over SCALE_GENERATORS processes.
 */
async function scale(name: Name, databaseUrl: string): Promise<ScalePoint> {
  const server = await spawnServer<ServerUnderTest>(`${name} (${int(SCALE_CLIENTS)} clients)`, `${name}-server.js`, {
    BENCH_DATABASE_URL: databaseUrl,
    BENCH_ORGANIZATIONS: String(SCALE_CLIENTS / USERS_PER_ORGANIZATION),
  });
  const generators = await Promise.all(
    Array.from({ length: SCALE_GENERATORS }, (_, index) =>
      // A storm of this many took Operate close to two minutes here: give it room, the run limit still holds.
      spawnBenchProcess<typeof GeneratorApi>(`${name} scale generator ${index + 1}`, entry('generator.js'), {
        callTimeoutMs: SCALE_CALL_TIMEOUT_MS,
      }),
    ),
  );
  try {
    // A port for each generator, so that none runs short of local ports to connect from (see listenAlso).
    const { ports, clients } = await server.call('prepare', { ports: generators.length });
    const shares = generators.map((_, at) => clients.filter((_, index) => index % generators.length === at));
    const before = await server.call('usage', { collect: true });
    const connects = await Promise.all(
      generators.map((generator, at) =>
        generator.call('connect', {
          url: `http://127.0.0.1:${ports[at] ?? ports[0]}`,
          clients: shares[at] ?? [],
          protocol: name,
          concurrency: CONNECT_CONCURRENCY / generators.length,
          timeoutMs: ATTACH_TIMEOUT_MS,
        }),
      ),
    );
    const failed = connects.reduce((sum, each) => sum + each.failed, 0);
    if (failed > 0)
      throw new Error(`${name} scale: ${failed} clients could not connect: ${connects.flatMap((each) => each.errors).join('; ')}`);
    const connected = await server.call('usage', { collect: false });
    await sleep(SETTLE_MS);
    const after = await server.call('usage', { collect: true });
    log(`${name}: ${int(after.sockets)} clients attached in ${(Math.max(...connects.map((each) => each.totalMs)) / 1000).toFixed(1)} s`);

    await Promise.all(generators.map((generator) => generator.call('record', { on: true })));
    await server.call('startLoad', { rate: STORM_RATE, kind: 'event' });
    await sleep(STORM_STEADY_MS);
    // BENCH_PROFILE=operate:scale (or bare:scale): that server's CPU profile of this storm.
    const profiled = profiledServer === name && profiledScenario === 'scale';
    if (profiled) await server.call('profileStart');
    const stormFrom = await server.call('usage', { collect: false });
    const storms = await Promise.all(
      generators.map((generator) =>
        generator.call('storm', { concurrency: STORM_CONCURRENCY / generators.length, timeoutMs: ATTACH_TIMEOUT_MS }),
      ),
    );
    const stormTo = await server.call('usage', { collect: false });
    if (profiled) {
      mkdirSync(profileDir, { recursive: true });
      log(`profile written: ${await server.call('profileStop', { path: new URL(`${name}-scale.cpuprofile`, profileDir).pathname })}`);
    }
    await sleep(STORM_STEADY_MS);
    const load = await server.call('stopLoad');
    let gaps = 0;
    let duplicates = 0;
    for (const [at, generator] of generators.entries()) {
      const members = membersOf(shares[at] ?? []);
      const expected = load.commits.reduce((sum, commit) => sum + (members.get(commit.organizationId)?.length ?? 0), 0);
      const receipts = await collectReceipts({ generator }, expected);
      const checked = audit({ members }, load, receipts);
      if (checked.missing > 0) log(`${name} scale: generator ${at + 1} missing ${describeMissing({ members }, load, receipts)}`);
      gaps += checked.missing;
      duplicates += checked.duplicates;
    }
    const point: ScalePoint = {
      server: name,
      clients: after.sockets,
      heapPerConnection: (after.heapUsed - before.heapUsed) / after.sockets,
      connectSeconds: Math.max(...connects.map((each) => each.totalMs)) / 1000,
      stormSeconds: Math.max(...storms.map((each) => each.attachMs.max)) / 1000,
      connectCpuSeconds: (connected.cpuUs - before.cpuUs) / 1e6,
      stormCpuSeconds: (stormTo.cpuUs - stormFrom.cpuUs) / 1e6,
      generators: generators.length,
      generatorCpuShare: Math.max(...storms.map((each) => each.cpuShare)),
      gaps,
      duplicates,
      resets: storms.reduce((sum, each) => sum + each.resets, 0),
    };
    log(
      `${name} at ${int(point.clients)} clients: ${kb(point.heapPerConnection)} heap per connection, connect ${point.connectSeconds.toFixed(1)} s (server CPU ${point.connectCpuSeconds?.toFixed(1)} s), storm ${point.stormSeconds.toFixed(1)} s (server CPU ${point.stormCpuSeconds?.toFixed(1)} s; ${gaps} gaps, ${duplicates} duplicates, ${point.resets} resets; busiest generator ${((point.generatorCpuShare ?? 0) * 100).toFixed(0)}%)`,
    );
    return point;
  } finally {
    await Promise.all(generators.map((generator) => generator.call('close').catch(() => undefined)));
    await server.call('close').catch(() => undefined);
    await Promise.all([...generators.map((generator) => generator.stop()), server.stop()]);
  }
}

/**
 * Two API nodes on one Redis and one database: node A (the relay leader) holds every socket, node B none. Node B's
 * CPU is taken at rest and while node A commits events for its own sockets — what B pays for events it has nobody
 * for; then node B commits events for A's people and each is timed to A's clients.
 */
async function crossNode(databaseUrl: string, redisUrl: string): Promise<CrossNodeResult> {
  const spawnNode = (label: string, extra: NodeJS.ProcessEnv) =>
    spawnServer<typeof OperateApi>(label, 'operate-server.js', { BENCH_DATABASE_URL: databaseUrl, BENCH_REDIS_URL: redisUrl, ...extra });
  const nodeA = await spawnNode('operate node A', {});
  const nodeB = await spawnNode('operate node B', { BENCH_SEED: '0' });
  const generator = await spawnBenchProcess<typeof GeneratorApi>('cross-node generator', entry('generator.js'), {
    callTimeoutMs: CALL_TIMEOUT_MS,
  });
  const target: Target = { name: 'operate', server: nodeA, generator, protocol: 'operate', url: '', clients: [], members: new Map() };
  const window = async <T>(work: () => Promise<T>) => {
    const start = await nodeB.call('usage', { collect: false });
    const from = performance.now();
    const result = await work();
    const end = await nodeB.call('usage', { collect: false });
    return { cpuUs: end.cpuUs - start.cpuUs, ms: performance.now() - from, fullGcs: end.majorGcs - start.majorGcs, result };
  };
  const atRest = () => window(() => sleep(CROSS_NODE_MS));
  try {
    await listen(target);
    const deadline = Date.now() + LEADER_WAIT_MS;
    while (!(await nodeA.call('leads'))) {
      if (Date.now() > deadline) throw new Error('cross-node: node A did not become the relay leader');
      await sleep(100);
    }
    await nodeB.call('prepare');
    // What node A's login wave costs node B, which holds none of the sockets (presence asks every node who is online):
    // B's CPU over the wave and its settling, less B's CPU at rest just before, per client.
    const restBeforeLogins = await atRest();
    const logins = await window(() => connect(target, true));
    const idleNodeCpuUsPerLogin =
      Math.max(0, logins.cpuUs - (restBeforeLogins.cpuUs / restBeforeLogins.ms) * logins.ms) / target.clients.length;
    if (await nodeB.call('leads')) throw new Error('cross-node: node B leads the relay as well');

    // B's CPU per event of A's: windows alternate between B at rest and B while A commits events for its own
    // sockets; each load window is set against the mean of the rest windows either side of it, and the median of
    // those is reported. B's heap is collected once, before them. A comparison in which B ran a full collection of
    // its own is not taken and another round is run instead: B is sent none of A's events, and an idle node's full
    // collection (V8's memory reducer, about a minute after start, mostly on its helper threads) moves a single
    // comparison by tens of µs per event.
    const whileALoads = () =>
      window(async () => {
        await generator.call('record', { on: true });
        await nodeA.call('startLoad', { rate: CROSS_NODE_IDLE_RATE, kind: 'event' });
        await sleep(CROSS_NODE_MS);
        const local = await nodeA.call('stopLoad');
        // Until node A's clients have every event, node B has been sent every one too.
        const { missing } = audit(target, local, await collectReceipts(target, local.commits.length * USERS_PER_ORGANIZATION));
        if (missing > 0) throw new Error(`cross-node: ${missing} of node A's own deliveries missing`);
        return local.commits.length;
      });
    // BENCH_PROFILE=nodeB:crossnode: node B's CPU profile of each window in which node A's events pass it by.
    const profiled = profiledServer === 'nodeB' && profiledScenario === 'crossnode';
    const perWindow: number[] = [];
    let localEvents = 0;
    let idleNodeFullGcs = 0;
    const heardBefore = await nodeB.call('eventsHeard');
    await nodeB.call('usage', { collect: true });
    await sleep(CROSS_NODE_SETTLE_MS);
    let before = await atRest();
    const restShares: number[] = [before.cpuUs / before.ms / 10];
    for (let round = 0; perWindow.length < CROSS_NODE_LOAD_WINDOWS && round < CROSS_NODE_MAX_ROUNDS; round++) {
      if (profiled) await nodeB.call('profileStart');
      const loaded = await whileALoads();
      if (profiled) {
        mkdirSync(profileDir, { recursive: true });
        log(
          `profile written: ${await nodeB.call('profileStop', { path: new URL(`nodeB-crossnode-${round + 1}.cpuprofile`, profileDir).pathname })}`,
        );
      }
      const after = await atRest();
      restShares.push(after.cpuUs / after.ms / 10);
      idleNodeFullGcs += loaded.fullGcs + after.fullGcs + (round === 0 ? before.fullGcs : 0);
      if (before.fullGcs + loaded.fullGcs + after.fullGcs === 0) {
        const restUsPerMs = (before.cpuUs + after.cpuUs) / (before.ms + after.ms);
        perWindow.push(Math.max(0, loaded.cpuUs - restUsPerMs * loaded.ms) / Math.max(1, loaded.result));
      }
      localEvents += loaded.result;
      before = after;
    }
    if (perWindow.length === 0) throw new Error(`cross-node: node B ran a full collection of its own in every round (${idleNodeFullGcs})`);
    const idleNodeCpuUsPerEvent = median(perWindow);
    const idleNodeEventsHeard = (await nodeB.call('eventsHeard')) - heardBefore;

    // B's pool opens its connections as the load starts: a second of commits first, so the timed window is B's
    // steady state (A's own commits above ran on a pool its seeding had opened).
    await nodeB.call('startLoadFor', { rate: CROSS_NODE_RATE, organizations: await nodeA.call('organizations') });
    await sleep(CROSS_NODE_WARMUP_MS);
    const warmup = await nodeB.call('stopLoad');
    await collectReceipts(target, warmup.commits.length * USERS_PER_ORGANIZATION);
    await generator.call('record', { on: true });
    const leaderBefore = await nodeA.call('usage', { collect: false });
    await nodeB.call('startLoadFor', { rate: CROSS_NODE_RATE, organizations: await nodeA.call('organizations') });
    await sleep(CROSS_NODE_MS);
    const remote = await nodeB.call('stopLoad');
    const leaderAfter = await nodeA.call('usage', { collect: false });
    const leaderFullGcs = leaderAfter.majorGcs - leaderBefore.majorGcs;
    const leaderGcPauseMs = leaderAfter.gcMs - leaderBefore.gcMs;
    const checked = audit(target, remote, await collectReceipts(target, remote.commits.length * USERS_PER_ORGANIZATION));
    const latency = distribution(checked.latencies);
    const result: CrossNodeResult = {
      nodes: 2,
      clients: target.clients.length,
      idleNodeCpuUsPerEvent,
      idleNodeCpuUsPerWindow: perWindow,
      localEvents,
      idleNodeFullGcs,
      localPerSecond: CROSS_NODE_IDLE_RATE,
      idleNodeEventsHeard,
      idleNodeCpuUsPerLogin,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      offeredPerSecond: CROSS_NODE_RATE,
      committedPerSecond: remote.committedWhileOffered / (CROSS_NODE_MS / 1000),
      missing: checked.missing + remote.failures,
      duplicates: checked.duplicates,
      leaderFullGcs,
      leaderGcPauseMs,
    };
    log(
      `cross-node: node B ${idleNodeCpuUsPerLogin.toFixed(1)} µs per client logging in on node A; ${idleNodeCpuUsPerEvent.toFixed(2)} µs per event of node A's (median of ${perWindow.map((each) => each.toFixed(2)).join(' / ')} over ${int(localEvents)} events at ${int(CROSS_NODE_IDLE_RATE)}/s, ${int(idleNodeEventsHeard)} of them sent to B; ${idleNodeFullGcs} full collections of B's own, their rounds left out; B at rest ${restShares.map((share) => `${share.toFixed(1)}%`).join(' / ')} of a core); commit on B → client on A p50 ${latency.p50.toFixed(1)} / p99 ${latency.p99.toFixed(1)} ms, ${checked.missing} missing, ${remote.failures} failed; node A meanwhile ${leaderFullGcs} full collections, ${leaderGcPauseMs.toFixed(0)} ms in collector pauses`,
    );
    return result;
  } finally {
    await generator.call('close').catch(() => undefined);
    await Promise.all([nodeA, nodeB].map((node) => node.call('close').catch(() => undefined)));
    await Promise.all([generator.stop(), nodeA.stop(), nodeB.stop()]);
  }
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Drops a scenario's databases once its servers stopped, so later scenarios share PostgreSQL with nothing of theirs
 * (the ceiling leaves hundreds of thousands of numbered outbox rows for its vacuum and checkpoints).
 */
async function dropDatabases(adminUrl: string, names: readonly string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const adminUrl = process.env.OPERATE_BENCH_POSTGRES_URL ?? process.env.OPERATE_TEST_POSTGRES_URL;
  if (!adminUrl) throw new Error('no PostgreSQL: run `pnpm bench` (it starts one), or set OPERATE_BENCH_POSTGRES_URL');
  const started = Date.now();
  const environment = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    postgres: await postgresVersion(adminUrl),
    calibration: calibrating,
  };
  log(`${environment.cores} × ${environment.cpu}, Node ${environment.node}, PostgreSQL ${environment.postgres}`);

  const targets: Target[] = [];
  const memory = {} as Record<Name, MemoryResult>;
  const commits: Record<Name, CommitResult[]> = { bare: [], operate: [] };
  const storms = {} as Partial<Record<Name, StormResult>>;
  let fanout: Record<Name, FanoutStep[]>;
  let embeddedConnect: Record<Name, ConnectResult> | undefined;
  const ceiling: Partial<Record<Name, RelayCeiling>> = {};
  let connectWaves: Record<Name, ConnectResult>;
  try {
    for (const name of ['bare', 'operate'] as const) targets.push(await startTarget(name, await createDatabase(adminUrl, `bench_${name}`)));
    for (const target of targets) memory[target.name] = await scenario(target, 'connect', () => connect(target));
    connectWaves = await loginWaves(targets, memory);
    for (const target of targets)
      memory[target.name] = {
        ...memory[target.name],
        resumedHeapPerConnection: await scenario(target, 'resume', () => resumedHeap(target)),
      };
    if (runs('commit'))
      for (const target of targets) commits[target.name].push(await scenario(target, 'commit', () => commitToClient(target, 'PostgreSQL')));
    if (runs('service')) {
      const [, operate] = targets;
      if (operate)
        commits.operate.push(await scenario(operate, 'service', () => commitToClient(operate, 'PostgreSQL', 'service', SERVICE_RATE)));
    }
    if (runs('storm')) {
      const rounds: Record<Name, StormResult[]> = { bare: [], operate: [] };
      for (let round = 0; round < STORM_ROUNDS; round++)
        for (const target of round % 2 === 1 ? [...targets].reverse() : targets)
          rounds[target.name].push(await scenario(target, 'storm', () => reconnectStorm(target)));
      for (const target of targets) storms[target.name] = stormRounds(rounds[target.name]);
    }
    // Before the fan-out, which injects cursors of its own; each step waits until its receipts stop coming.
    if (runs('ceiling')) for (const target of targets) ceiling[target.name] = await scenario(target, 'ceiling', () => relayCeiling(target));
    // Last on these servers: it feeds the fan-out directly, past the outbox (its cursors run ahead of the relay's).
    const profiledTarget = targets.find((target) => target.name === profiledServer) ?? targets[0];
    fanout =
      runs('fanout') && profiledTarget ? await scenario(profiledTarget, 'fanout', () => fanoutSteps(targets)) : { bare: [], operate: [] };
  } finally {
    await Promise.all(targets.splice(0).map(stopTarget));
    await dropDatabases(adminUrl, ['bench_bare', 'bench_operate']);
  }
  if (runs('embedded'))
    try {
      for (const name of ['bare', 'operate'] as const) targets.push(await startTarget(name, undefined));
      const embeddedMemory = {} as Record<Name, MemoryResult>;
      for (const target of targets) embeddedMemory[target.name] = await scenario(target, 'connect-embedded', () => connect(target));
      embeddedConnect = await loginWaves(targets, embeddedMemory);
      for (const target of targets)
        commits[target.name].push(await scenario(target, 'embedded', () => commitToClient(target, 'embedded PGlite')));
    } finally {
      await Promise.all(targets.splice(0).map(stopTarget));
    }

  let bigOrg: BigOrgResult | undefined;
  if (runs('bigorg')) {
    const before = await bigOrganization(await createDatabase(adminUrl, 'bench_bigorg_legacy'), 'legacy');
    bigOrg = { ...(await bigOrganization(await createDatabase(adminUrl, 'bench_bigorg'), 'rules')), before };
    await dropDatabases(adminUrl, ['bench_bigorg_legacy', 'bench_bigorg']);
  }

  let scalePoints: ScalePoint[] | undefined;
  if (runs('scale')) {
    scalePoints = [];
    // BENCH_SCALE_SERVERS=operate: one of them only, for experiments.
    const servers = (process.env.BENCH_SCALE_SERVERS ?? 'bare,operate').split(',') as Name[];
    for (const name of servers) {
      const storm = storms[name];
      if (storm)
        scalePoints.push({
          server: name,
          clients: memory[name].connections,
          heapPerConnection: memory[name].heapPerConnection,
          connectSeconds: memory[name].connectSeconds,
          stormSeconds: storm.caughtUpSeconds,
          connectCpuSeconds: memory[name].connectCpuSeconds,
          stormCpuSeconds: storm.serverCpuSeconds,
        });
      scalePoints.push(await scale(name, await createDatabase(adminUrl, `bench_scale_${name}`)));
      await dropDatabases(adminUrl, [`bench_scale_${name}`]);
    }
  }

  let crossNodeResult: CrossNodeResult | undefined;
  const redisUrl = process.env.OPERATE_BENCH_REDIS_URL ?? process.env.OPERATE_TEST_REDIS_URL;
  if (runs('crossnode')) {
    if (redisUrl) crossNodeResult = await crossNode(await createDatabase(adminUrl, 'bench_crossnode'), redisUrl);
    else log('cross-node: skipped, no Redis (run `pnpm bench`, which starts one, or set OPERATE_BENCH_REDIS_URL)');
  }

  const result: BenchResult = {
    environment,
    seconds: (Date.now() - started) / 1000,
    memory,
    connect: connectWaves,
    ...(embeddedConnect ? { connectEmbedded: embeddedConnect } : {}),
    commits,
    ...(ceiling.bare && ceiling.operate ? { relayCeiling: { bare: ceiling.bare, operate: ceiling.operate } } : {}),
    storms,
    fanout,
    ...(bigOrg ? { bigOrg } : {}),
    ...(scalePoints ? { scale: scalePoints } : {}),
    ...(crossNodeResult ? { crossNode: crossNodeResult } : {}),
  };
  const dir = new URL('../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const markdown = renderMarkdown(result);
  writeFileSync(new URL('latest.json', dir), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(new URL('latest.md', dir), markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`done in ${result.seconds.toFixed(0)} s; results in bench/results/latest.json and latest.md`);
}

const limit = setTimeout(() => {
  log(`stopped: the run took longer than ${RUN_LIMIT_MS / 60_000} minutes`);
  process.exit(1);
}, RUN_LIMIT_MS);
limit.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
