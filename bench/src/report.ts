import type { Distribution } from './stats.js';
import type { LoadKind } from './workload.js';

export interface MemoryResult {
  readonly connections: number;
  readonly heapPerConnection: number;
  readonly rssPerConnection: number;
  readonly connectSeconds: number;
}

export interface CommitResult {
  readonly database: string;
  readonly kind: LoadKind;
  readonly offeredPerSecond: number;
  readonly committedPerSecond: number;
  readonly failures: number;
  readonly firstFailure: string | undefined;
  readonly maxInFlight: number;
  readonly deliveries: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly latencyMs: Distribution;
}

export interface StormResult {
  readonly clients: number;
  readonly reattached: number;
  readonly failed: number;
  readonly caughtUpSeconds: number;
  readonly medianSeconds: number;
  readonly serverCpuShare: number;
  readonly generatorCpuShare: number;
  readonly eventsDuring: number;
  readonly replayed: number;
  readonly resets: number;
  readonly gaps: number;
  readonly duplicates: number;
  readonly errors: readonly string[];
}

export interface FanoutStep {
  readonly offeredPerSecond: number;
  readonly emitted: number;
  readonly expected: number;
  readonly delivered: number;
  readonly cpuUsPerDelivery: number;
  readonly serverCpuShare: number;
  readonly generatorCpuShare: number;
  readonly generatorBound: boolean;
  readonly latencyMs: Distribution;
  readonly sustained: boolean;
  /** CPU µs per delivery of every round at this load (the step's own figures are the median round's). */
  readonly rounds?: readonly number[];
}

type Pair<T> = Readonly<Record<'bare' | 'operate', T>>;

export interface BenchResult {
  readonly environment: {
    readonly date: string;
    readonly commit: string;
    readonly node: string;
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly postgres: string;
  };
  readonly seconds: number;
  readonly memory: Pair<MemoryResult>;
  readonly commits: Pair<CommitResult[]>;
  readonly storms: Partial<Pair<StormResult>>;
  readonly fanout: Pair<FanoutStep[]>;
}

/**
 * Operate ÷ bare at one load: the median of the ratios of the rounds (each round measures the two servers
 * back to back, so a slow moment of the machine weighs on both); the medians' ratio without rounds.
 */
export function pairedRatio(bare: FanoutStep, operate: FanoutStep): number {
  const pairs = (operate.rounds ?? []).flatMap((value, index) => {
    const baseline = bare.rounds?.[index];
    return baseline ? [value / baseline] : [];
  });
  if (pairs.length === 0) return operate.cpuUsPerDelivery / bare.cpuUsPerDelivery;
  const sorted = pairs.sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The offered loads both servers sustained with a generator that was not the bottleneck: where CPU is compared. */
export function comparableSteps(result: BenchResult): { bare: FanoutStep; operate: FanoutStep; ratio: number }[] {
  return result.fanout.operate.flatMap((operate) => {
    const bare = result.fanout.bare.find((step) => step.offeredPerSecond === operate.offeredPerSecond);
    if (!bare || !bare.sustained || !operate.sustained || bare.generatorBound || operate.generatorBound) return [];
    return [{ bare, operate, ratio: pairedRatio(bare, operate) }];
  });
}

function highestSustained(steps: readonly FanoutStep[]): number {
  return Math.max(0, ...steps.filter((step) => step.sustained).map((step) => step.offeredPerSecond));
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (value: number) => `${value.toFixed(2)}×`;
const met = (ok: boolean) => (ok ? 'yes' : '**no**');

function stormRows({ bare, operate }: Partial<Pair<StormResult>>): string[] {
  if (!bare || !operate) return ['| Reconnect storm | not run | not run | | ≤ 10 s, 0 gaps, 0 duplicates | |'];
  const caughtUp = operate.failed === 0 && operate.caughtUpSeconds <= 10;
  return [
    `| Reconnect storm: last client caught up (median) | ${bare.caughtUpSeconds.toFixed(2)} s (${bare.medianSeconds.toFixed(2)} s) | ${operate.caughtUpSeconds.toFixed(2)} s (${operate.medianSeconds.toFixed(2)} s), ${int(operate.reattached)} of ${int(operate.clients)} | | ≤ 10 s | ${met(caughtUp)} |`,
    `| Reconnect storm: gaps / duplicates (events during: bare ${int(bare.eventsDuring)}, Operate ${int(operate.eventsDuring)}) | ${int(bare.gaps)} / ${int(bare.duplicates)} (no resume) | ${int(operate.gaps)} / ${int(operate.duplicates)} (${int(operate.replayed)} replayed, ${operate.resets} resets) | | 0 / 0 | ${met(operate.gaps === 0 && operate.duplicates === 0)} |`,
  ];
}

export function renderMarkdown(result: BenchResult): string {
  const { environment: env, memory, commits, storms, fanout } = result;
  const steps = comparableSteps(result);
  const worstCpu = steps.length > 0 ? Math.max(...steps.map((step) => step.ratio)) : Number.NaN;
  const heapRatio = memory.operate.heapPerConnection / memory.bare.heapPerConnection;
  const onPostgres = (name: 'bare' | 'operate') =>
    commits[name].find((commit) => commit.database === 'PostgreSQL' && commit.kind === 'event');
  const embedded = (name: 'bare' | 'operate') => commits[name].find((commit) => commit.database !== 'PostgreSQL');
  const service = commits.operate.find((commit) => commit.kind === 'service');
  const pgOperate = onPostgres('operate');
  const pgBare = onPostgres('bare');
  const emOperate = embedded('operate');
  const emBare = embedded('bare');
  const commitCell = (commit: CommitResult | undefined) =>
    commit
      ? `${ms(commit.latencyMs.p50)} / ${ms(commit.latencyMs.p99)} (${int(commit.committedPerSecond)}/s committed, ${int(commit.missing)} missing)`
      : 'not run';

  const lines = [
    `Run ${env.date.slice(0, 16).replace('T', ' ')} UTC at commit \`${env.commit}\`: ${env.cores} × ${env.cpu}, ${env.memoryGiB} GiB, Node ${env.node}, PostgreSQL ${env.postgres}; ${int(memory.operate.connections)} clients (1,000 organizations × 5 users) per server; ${result.seconds.toFixed(0)} s in all.`,
    '',
    '| Measure | bare socket.io 4.8 | Operate | Operate ÷ bare | Target | Met |',
    '| --- | --- | --- | --- | --- | --- |',
    `| Delivery CPU per event, worst comparable step (µs) | ${steps.map((step) => step.bare.cpuUsPerDelivery.toFixed(2)).join(', ')} | ${steps.map((step) => step.operate.cpuUsPerDelivery.toFixed(2)).join(', ')} | ${ratio(worstCpu)} | ≤ 1.10× | ${met(worstCpu <= 1.1)} |`,
    `| Heap per idle connection, after gc() | ${kb(memory.bare.heapPerConnection)} | ${kb(memory.operate.heapPerConnection)} | ${ratio(heapRatio)} | ≤ 1.50× | ${met(heapRatio <= 1.5)} |`,
    `| RSS per idle connection | ${kb(memory.bare.rssPerConnection)} | ${kb(memory.operate.rssPerConnection)} | ${ratio(memory.operate.rssPerConnection / memory.bare.rssPerConnection)} | — | |`,
    `| Commit → client p50 / p99 at 1,000/s, PostgreSQL | ${commitCell(pgBare)} | ${commitCell(pgOperate)} | | p99 ≤ 50 ms, 0 missing | ${met(!!pgOperate && pgOperate.latencyMs.p99 <= 50 && pgOperate.missing === 0 && pgOperate.failures === 0)} |`,
    `| Commit → client p50 / p99 at 1,000/s, embedded PGlite | ${commitCell(emBare)} | ${commitCell(emOperate)} | | reported | |`,
    `| Commit → client p50 / p99 through InvoicesService.create at ${service ? int(service.offeredPerSecond) : '—'}/s, PostgreSQL | — | ${commitCell(service)} | | reported | |`,
    ...stormRows(storms),
    `| Highest fan-out rate with p99 ≤ 100 ms (events/s; × 5 deliveries) | ${int(highestSustained(fanout.bare))} | ${int(highestSustained(fanout.operate))} | | reported | |`,
    '',
    "Fan-out steps (scenario 1): server CPU per delivered event (median of 5 rounds; the ratio is the median of the rounds' paired ratios), latency from emit to client, generator CPU (flagged ⚠ above 90% of its core).",
    '',
    '| Offered events/s | bare µs/delivery | Operate µs/delivery | Ratio | bare p50 / p99 | Operate p50 / p99 | Server CPU bare / Operate | Generator CPU bare / Operate |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
  const gen = (step: FanoutStep | undefined) => (step ? `${pct(step.generatorCpuShare)}${step.generatorBound ? ' ⚠' : ''}` : '—');
  const lat = (step: FanoutStep | undefined) =>
    step ? `${ms(step.latencyMs.p50)} / ${ms(step.latencyMs.p99)}${step.sustained ? '' : ' (not sustained)'}` : '—';
  for (const rate of [...new Set([...fanout.bare, ...fanout.operate].map((step) => step.offeredPerSecond))].sort((a, b) => a - b)) {
    const bare = fanout.bare.find((step) => step.offeredPerSecond === rate);
    const operate = fanout.operate.find((step) => step.offeredPerSecond === rate);
    lines.push(
      `| ${int(rate)} | ${bare?.cpuUsPerDelivery.toFixed(2) ?? '—'} | ${operate?.cpuUsPerDelivery.toFixed(2) ?? '—'} | ${bare && operate ? ratio(pairedRatio(bare, operate)) : '—'} | ${lat(bare)} | ${lat(operate)} | ${bare ? pct(bare.serverCpuShare) : '—'} / ${operate ? pct(operate.serverCpuShare) : '—'} | ${gen(bare)} / ${gen(operate)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
