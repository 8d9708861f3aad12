import { median, type Distribution } from './stats.js';
import type { LoadKind } from './workload.js';

export interface MemoryResult {
  readonly connections: number;
  readonly heapPerConnection: number;
  readonly rssPerConnection: number;
  readonly connectSeconds: number;
  /** The server's CPU during that wave (user and system, every thread). */
  readonly connectCpuSeconds: number;
  /** Heap a connection holds once it has resumed (come back with its cursor) over what it held fresh, after gc(). */
  readonly resumedHeapPerConnection?: number;
}

/** A fresh connect of every client (the morning login wave). */
export interface ConnectResult {
  readonly clients: number;
  /** The median of `rounds` when there are several. */
  readonly seconds: number;
  /** Each wave's time, the two servers' waves taken in turns: round i of one is paired with round i of the other. */
  readonly rounds?: readonly number[];
  /** The server's CPU during each of those waves, in seconds: close to the wave's time when the server bounds it. */
  readonly serverCpuRounds?: readonly number[];
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

/** The highest commit rate (each event its own transaction) with every event delivered and p99 ≤ 100 ms. */
export interface RelayCeiling {
  readonly eventsPerSecond: number;
  readonly p99Ms: number;
  readonly missing: number;
  readonly steps: readonly {
    readonly offeredPerSecond: number;
    readonly committedPerSecond: number;
    readonly p99Ms: number;
    readonly missing: number;
    readonly failures: number;
    readonly sustained: boolean;
  }[];
}

export interface StormResult {
  readonly clients: number;
  readonly reattached: number;
  readonly failed: number;
  readonly caughtUpSeconds: number;
  readonly medianSeconds: number;
  readonly serverCpuShare: number;
  /** The server's CPU over the storm (user and system, every thread), seconds. */
  readonly serverCpuSeconds?: number;
  readonly generatorCpuShare: number;
  readonly eventsDuring: number;
  readonly replayed: number;
  readonly resets: number;
  readonly gaps: number;
  readonly duplicates: number;
  readonly errors: readonly string[];
  /** Each storm's last-caught-up time when several were taken (the servers in turns); the counts above are their sums. */
  readonly rounds?: readonly number[];
}

export interface FanoutStep {
  readonly offeredPerSecond: number;
  readonly emitted: number;
  readonly expected: number;
  readonly delivered: number;
  readonly cpuUsPerDelivery: number;
  readonly serverCpuShare: number;
  /** The kernel's part of the server's CPU in the step. */
  readonly systemShare: number;
  /** The server's garbage-collection pauses in the step, µs per delivery, and how many were major. */
  readonly gcUsPerDelivery: number;
  readonly majorGcs: number;
  readonly generatorCpuShare: number;
  readonly generatorBound: boolean;
  readonly latencyMs: Distribution;
  readonly sustained: boolean;
  /** CPU µs per delivery of every round at this load (the step's own figures are the median round's). */
  readonly rounds?: readonly number[];
  /** Deliveries of every round, in the same order: the weights of the pooled figure. */
  readonly roundDeliveries?: readonly number[];
}

type Pair<T> = Readonly<Record<'bare' | 'operate', T>>;

/** One organization of many dashboards: what its invoice events and its login wave cost the API. */
export interface BigOrgRun {
  readonly clients: number;
  readonly events: number;
  /** REST requests the dashboards sent per delivered invoice event (after their first load). */
  readonly restRequestsPerEvent: number;
  /** `GET /presence` the dashboards sent after their own first load, during the login wave and after it. */
  readonly presenceGetsAfterLoad: number;
  /** The API's CPU over the login wave and the invoice events. */
  readonly apiCpuSeconds: number;
  /** From each invoice's commit to each dashboard's invoice view showing it. */
  readonly p99ViewUpdateMs: number;
  /** From each commit to each dashboard's realtime client receiving the event (the part before the cache). */
  readonly p99EventArrivalMs: number;
  readonly missingViews: number;
  readonly loginWaveSeconds: number;
  /** The busiest dashboard process's share of one core while the invoices arrived (near 100%: it limits the p99). */
  readonly generatorCpuShare: number;
}

/** Today's dashboard (cache rules), with `before`: the dashboard as it was (every event refetched its lists). */
export type BigOrgResult = BigOrgRun & { readonly before?: BigOrgRun };

/** One node's clients at a given count: memory per connection after gc(), the login wave and the storm. */
export interface ScalePoint {
  readonly server: 'bare' | 'operate';
  readonly clients: number;
  readonly heapPerConnection: number;
  readonly connectSeconds: number;
  readonly stormSeconds: number;
  /**
   * The server's CPU over the connect and over the storm (user and system, every thread), seconds: how its own work
   * grows, apart from the time it waits for a core it shares with the generators and the database.
   */
  readonly connectCpuSeconds?: number;
  readonly stormCpuSeconds?: number;
  /** For the larger counts: the generator processes and the busiest one's share of a core during the storm. */
  readonly generators?: number;
  readonly generatorCpuShare?: number;
  readonly gaps?: number;
  readonly duplicates?: number;
  readonly resets?: number;
}

/** Two API nodes on one Redis: all the sockets on node A, node B only on the bus. */
export interface CrossNodeResult {
  readonly nodes: number;
  readonly clients: number;
  /** Node B's CPU for each event whose rooms are all on node A, its CPU at rest subtracted, µs: the median window's. */
  readonly idleNodeCpuUsPerEvent: number;
  /** The same figure for each window node A committed in (each set against B at rest just before and after it). */
  readonly idleNodeCpuUsPerWindow?: readonly number[];
  /** Events committed on node A while node B's CPU was taken, over all windows. */
  readonly localEvents: number;
  /** The rate node A committed them at. */
  readonly localPerSecond?: number;
  /** Full collections node B ran of its own meanwhile; a round with one is left out of the median and run again. */
  readonly idleNodeFullGcs?: number;
  /** How many of them node B was sent (routed or read to fill a gap, as its `/metrics` counts them): none is its share. */
  readonly idleNodeEventsHeard?: number;
  /**
   * Node B's CPU per client of node A's login wave (with its settling), its CPU at rest just before subtracted, µs:
   * what one login on a node costs another that holds none of the sockets (presence asks every node who is online).
   */
  readonly idleNodeCpuUsPerLogin?: number;
  /** Commit on node B → client on node A (the relay leader), at `offeredPerSecond`. */
  readonly p99Ms: number;
  readonly p50Ms: number;
  readonly offeredPerSecond: number;
  readonly committedPerSecond: number;
  readonly missing: number;
  readonly duplicates: number;
  /**
   * Node A's full (mark-compact) collections while B's commits were timed, and its collector pauses in ms: with
   * 5,000 sockets each one blocks node A in steps of tens of ms for a few hundred, which is where the tail is.
   */
  readonly leaderFullGcs?: number;
  readonly leaderGcPauseMs?: number;
}

export interface BenchResult {
  readonly environment: {
    readonly date: string;
    readonly commit: string;
    readonly node: string;
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly postgres: string;
    /** BENCH_CALIBRATE: the "Operate" column is a second bare socket.io server — the machine's noise floor. */
    readonly calibration?: boolean;
  };
  readonly seconds: number;
  readonly memory: Pair<MemoryResult>;
  /** Fresh connect of every client, on PostgreSQL (and before the embedded-database scenario). */
  readonly connect?: Pair<ConnectResult>;
  readonly connectEmbedded?: Pair<ConnectResult>;
  readonly commits: Pair<CommitResult[]>;
  readonly relayCeiling?: Pair<RelayCeiling>;
  readonly storms: Partial<Pair<StormResult>>;
  readonly fanout: Pair<FanoutStep[]>;
  readonly bigOrg?: BigOrgResult;
  readonly crossNode?: CrossNodeResult;
  readonly scale?: readonly ScalePoint[];
}

/** Operate ÷ bare of each round, round i of one server against round i of the other (taken back to back). */
function roundRatios(bare: readonly number[] | undefined, operate: readonly number[] | undefined): number[] {
  return (operate ?? []).flatMap((value, index) => {
    const baseline = bare?.[index];
    return baseline ? [value / baseline] : [];
  });
}

/** The median of the rounds' ratios when there are several; otherwise the ratio of the two figures. */
function roundsRatio(
  bare: { rounds?: readonly number[] },
  operate: { rounds?: readonly number[] },
  bareValue: number,
  operateValue: number,
) {
  const ratios = roundRatios(bare.rounds, operate.rounds);
  return ratios.length > 1 ? median(ratios) : operateValue / bareValue;
}

/** A figure with its rounds when there are several: `3.0 s (median of 2.0 / 3.0 / 4.0)`. */
function withRounds(value: number, rounds: readonly number[] | undefined, digits: number, unit: string): string {
  const each = rounds && rounds.length > 1 ? ` (median of ${rounds.map((round) => round.toFixed(digits)).join(' / ')})` : '';
  return `${value.toFixed(digits)}${unit}${each}`;
}

/** A paired ratio with each round's when there are several. */
function ratioWithRounds(value: number, bare: readonly number[] | undefined, operate: readonly number[] | undefined): string {
  const ratios = roundRatios(bare, operate);
  return ratios.length > 1 ? `${ratio(value)} (median of ${ratios.map(ratio).join(' / ')})` : ratio(value);
}

/** Operate ÷ bare at one load: the median of the rounds' ratios; the medians' ratio without rounds. */
export function pairedRatio(bare: FanoutStep, operate: FanoutStep): number {
  const ratios = roundRatios(bare.rounds, operate.rounds);
  return ratios.length === 0 ? operate.cpuUsPerDelivery / bare.cpuUsPerDelivery : median(ratios);
}

/** The offered loads both servers sustained with a generator that was not the bottleneck: where CPU is compared. */
export function comparableSteps(result: BenchResult): { bare: FanoutStep; operate: FanoutStep; ratio: number }[] {
  return result.fanout.operate.flatMap((operate) => {
    const bare = result.fanout.bare.find((step) => step.offeredPerSecond === operate.offeredPerSecond);
    if (!bare || !bare.sustained || !operate.sustained || bare.generatorBound || operate.generatorBound) return [];
    return [{ bare, operate, ratio: pairedRatio(bare, operate) }];
  });
}

/**
 * Server CPU per delivery over every round of the given steps: all their CPU over all their deliveries. Both
 * servers ran the same loads for the same time, so the two pooled figures compare like with like, and a
 * moment of the machine weighs by the CPU it took rather than deciding a load on its own.
 */
export function pooledCpuPerDelivery(steps: readonly FanoutStep[]): number {
  let cpu = 0;
  let deliveries = 0;
  for (const step of steps) {
    const rounds = step.rounds ?? [step.cpuUsPerDelivery];
    const weights = step.roundDeliveries ?? rounds.map(() => step.delivered);
    rounds.forEach((perDelivery, index) => {
      const weight = weights[index] ?? 0;
      cpu += perDelivery * weight;
      deliveries += weight;
    });
  }
  return deliveries > 0 ? cpu / deliveries : Number.NaN;
}

function highestSustained(steps: readonly FanoutStep[]): number {
  return Math.max(0, ...steps.filter((step) => step.sustained).map((step) => step.offeredPerSecond));
}

/** Operate's p99 may be at most twice bare's plus this, at every load both sustain. */
const FANOUT_P99_SLACK_MS = 5;

/**
 * The fan-out's tail: Operate sustains (p99 ≤ 100 ms) as high a load as bare, and at every load both sustain its
 * p99 is at most 2 × bare's + FANOUT_P99_SLACK_MS. `late`: the loads where it is not.
 */
export function fanoutTail(fanout: BenchResult['fanout']): { bare: number; operate: number; late: number[]; met: boolean } {
  const bare = highestSustained(fanout.bare);
  const operate = highestSustained(fanout.operate);
  const late = fanout.operate
    .filter((step) => {
      const other = fanout.bare.find((each) => each.offeredPerSecond === step.offeredPerSecond);
      return other?.sustained && step.sustained && step.latencyMs.p99 > 2 * other.latencyMs.p99 + FANOUT_P99_SLACK_MS;
    })
    .map((step) => step.offeredPerSecond);
  return { bare, operate, late, met: operate >= bare && late.length === 0 };
}

function fanoutTailRow(fanout: BenchResult['fanout']): string {
  const tail = fanoutTail(fanout);
  const late = tail.late.length > 0 ? ` (p99 past 2 × bare's + ${FANOUT_P99_SLACK_MS} ms at ${tail.late.map(int).join(', ')}/s)` : '';
  return `| Highest fan-out rate with p99 ≤ 100 ms (events/s; × 5 deliveries) | ${int(tail.bare)} | ${int(tail.operate)}${late} | | ≥ bare's; p99 ≤ 2 × bare's + ${FANOUT_P99_SLACK_MS} ms at each load both sustain | ${met(tail.met)} |`;
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (value: number) => `${value.toFixed(2)}×`;
const met = (ok: boolean) => (ok ? 'yes' : '**no**');
const spread = (values: readonly number[]) =>
  values.length > 0 ? `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}` : '—';

function stormRows({ bare, operate }: Partial<Pair<StormResult>>): string[] {
  if (!bare || !operate) return ['| Reconnect storm | not run | not run | | ≤ 1.50×; 0 gaps, 0 duplicates, 0 resets | |'];
  const stormRatio = roundsRatio(bare, operate, bare.caughtUpSeconds, operate.caughtUpSeconds);
  const caughtUp = (storm: StormResult) =>
    storm.rounds && storm.rounds.length > 1
      ? withRounds(storm.caughtUpSeconds, storm.rounds, 2, ' s')
      : `${storm.caughtUpSeconds.toFixed(2)} s (${storm.medianSeconds.toFixed(2)} s)`;
  return [
    `| Reconnect storm: last client caught up${bare.rounds && bare.rounds.length > 1 ? '' : ' (median)'} | ${caughtUp(bare)} | ${caughtUp(operate)}, ${int(operate.reattached)} of ${int(operate.clients)} | ${ratioWithRounds(stormRatio, bare.rounds, operate.rounds)} | ≤ 1.50× | ${met(operate.failed === 0 && stormRatio <= 1.5)} |`,
    `| Reconnect storm: gaps / duplicates / resets (events during: bare ${int(bare.eventsDuring)}, Operate ${int(operate.eventsDuring)}) | ${int(bare.gaps)} / ${int(bare.duplicates)} (no resume) | ${int(operate.gaps)} / ${int(operate.duplicates)} / ${operate.resets} (${int(operate.replayed)} replayed) | | 0 / 0 / 0 | ${met(operate.gaps === 0 && operate.duplicates === 0 && operate.resets === 0)} |`,
  ];
}

/** Bare has no resume: its clients send their cursor and connect as before, the same handshake sizes. */
function resumedHeapRows(memory: BenchResult['memory']): string[] {
  const { bare, operate } = { bare: memory.bare.resumedHeapPerConnection, operate: memory.operate.resumedHeapPerConnection };
  if (bare === undefined || operate === undefined) return [];
  const bytes = (value: number) => `${value >= 0 ? '+' : '−'}${int(Math.abs(value))} B`;
  return [`| Heap per idle connection once resumed, over its fresh one, after gc() | ${bytes(bare)} | ${bytes(operate)} | | reported | |`];
}

export function renderMarkdown(result: BenchResult): string {
  const { environment: env, memory, commits, storms, fanout } = result;
  const steps = comparableSteps(result);
  const pooledBare = pooledCpuPerDelivery(steps.map((step) => step.bare));
  const pooledOperate = pooledCpuPerDelivery(steps.map((step) => step.operate));
  const cpuRatio = pooledOperate / pooledBare;
  const loads = steps.map((step) => int(step.operate.offeredPerSecond)).join(', ');
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
    ...(env.calibration
      ? [
          '**Calibration run (`BENCH_CALIBRATE=1`): the "Operate" column is a second, identical bare socket.io server.** Its ratios are what this machine reads for no difference at all.',
          '',
        ]
      : []),
    `Run ${env.date.slice(0, 16).replace('T', ' ')} UTC at commit \`${env.commit}\`: ${env.cores} × ${env.cpu}, ${env.memoryGiB} GiB, Node ${env.node}, PostgreSQL ${env.postgres}; ${int(memory.operate.connections)} clients (1,000 organizations × 5 users) per server; ${result.seconds.toFixed(0)} s in all.`,
    '',
    '| Measure | bare socket.io 4.8 | Operate | Operate ÷ bare | Target | Met |',
    '| --- | --- | --- | --- | --- | --- |',
    `| Delivery CPU per event, every round of the loads both sustained (${loads}/s) | ${pooledBare.toFixed(2)} µs | ${pooledOperate.toFixed(2)} µs | ${ratio(cpuRatio)} | ≤ 1.10× | ${met(cpuRatio <= 1.1)} |`,
    ...connectRows(result),
    `| Heap per idle connection, after gc() | ${kb(memory.bare.heapPerConnection)} | ${kb(memory.operate.heapPerConnection)} | ${ratio(heapRatio)} | ≤ 1.50× | ${met(heapRatio <= 1.5)} |`,
    `| RSS per idle connection | ${kb(memory.bare.rssPerConnection)} | ${kb(memory.operate.rssPerConnection)} | ${ratio(memory.operate.rssPerConnection / memory.bare.rssPerConnection)} | — | |`,
    ...resumedHeapRows(memory),
    `| Commit → client p50 / p99 at 1,000/s, PostgreSQL | ${commitCell(pgBare)} | ${commitCell(pgOperate)} | | p99 ≤ 50 ms, 0 missing | ${met(!!pgOperate && pgOperate.latencyMs.p99 <= 50 && pgOperate.missing === 0 && pgOperate.failures === 0)} |`,
    `| Commit → client p50 / p99 at 1,000/s, embedded PGlite | ${commitCell(emBare)} | ${commitCell(emOperate)} | | reported | |`,
    `| Commit → client p50 / p99 through InvoicesService.create at ${service ? int(service.offeredPerSecond) : '—'}/s, PostgreSQL | — | ${commitCell(service)} | | reported | |`,
    ...stormRows(storms),
    ...ceilingRows(result.relayCeiling),
    ...scaleRows(result.scale),
    ...crossNodeRows(result.crossNode),
    fanoutTailRow(fanout),
    '',
    "Fan-out steps (scenario 1): server CPU per delivered event (median of the rounds; the ratio is the median of the rounds' paired ratios, with the lowest and highest), latency from the tick that offered each event to each client, generator CPU (flagged ⚠ above 90% of its core).",
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
      `| ${int(rate)} | ${bare?.cpuUsPerDelivery.toFixed(2) ?? '—'} | ${operate?.cpuUsPerDelivery.toFixed(2) ?? '—'} | ${bare && operate ? `${ratio(pairedRatio(bare, operate))} (${spread(roundRatios(bare.rounds, operate.rounds))})` : '—'} | ${lat(bare)} | ${lat(operate)} | ${bare ? pct(bare.serverCpuShare) : '—'} / ${operate ? pct(operate.serverCpuShare) : '—'} | ${gen(bare)} / ${gen(operate)} |`,
    );
  }
  if (result.bigOrg) lines.push('', ...bigOrgRows(result.bigOrg));
  return `${lines.join('\n')}\n`;
}

function ceilingRows(ceiling: Pair<RelayCeiling> | undefined): string[] {
  if (!ceiling) return [];
  const cell = (run: RelayCeiling) => {
    // The step the climb stopped at (a rate missed on p99 alone was taken again first).
    const last = run.steps.at(-1);
    const past = last?.sustained === false ? last : undefined;
    const beyond = past
      ? `; at ${int(past.offeredPerSecond)}/s: ${int(past.committedPerSecond)}/s committed, p99 ${ms(past.p99Ms)}, ${int(past.missing)} missing, ${int(past.failures)} failed`
      : '';
    return `${int(run.eventsPerSecond)}/s (p99 ${ms(run.p99Ms)})${beyond}`;
  };
  const share = ceiling.operate.eventsPerSecond / Math.max(1, ceiling.bare.eventsPerSecond);
  return [
    `| Outbox ceiling: highest commit rate, each event its own transaction, p99 ≤ 100 ms and 0 missing | ${cell(ceiling.bare)} | ${cell(ceiling.operate)} | ${ratio(share)} | ≥ 8,000/s and ≥ 0.80× | ${met(ceiling.operate.eventsPerSecond >= 8000 && share >= 0.8)} |`,
  ];
}

function scaleRows(points: readonly ScalePoint[] | undefined): string[] {
  if (!points) return [];
  const at = (server: ScalePoint['server'], clients: number) =>
    points.find((point) => point.server === server && point.clients === clients);
  const largest = Math.max(...points.map((point) => point.clients));
  const smallest = Math.min(...points.map((point) => point.clients));
  const [bare, operate, bareSmall, operateSmall] = [
    at('bare', largest),
    at('operate', largest),
    at('bare', smallest),
    at('operate', smallest),
  ];
  if (!bare || !operate || !bareSmall || !operateSmall || largest === smallest) return [];
  const factor = largest / smallest;
  const growth = (big: number, small: number) => `${(big / small).toFixed(1)}× for ${factor.toFixed(1)}× the clients`;
  const cpuGrowth = (big: number | undefined, small: number | undefined) =>
    big === undefined || small === undefined || !(small > 0) ? '' : `; server CPU ${big.toFixed(1)} s (${(big / small).toFixed(1)}×)`;
  const connect = (big: ScalePoint, small: ScalePoint) =>
    `${big.connectSeconds.toFixed(1)} s (${growth(big.connectSeconds, small.connectSeconds)})${cpuGrowth(big.connectCpuSeconds, small.connectCpuSeconds)}`;
  const storm = (big: ScalePoint, small: ScalePoint) =>
    `${big.stormSeconds.toFixed(1)} s (${growth(big.stormSeconds, small.stormSeconds)})${cpuGrowth(big.stormCpuSeconds, small.stormCpuSeconds)}`;
  const linear = (big: ScalePoint, small: ScalePoint) =>
    big.connectSeconds / small.connectSeconds <= factor && big.stormSeconds / small.stormSeconds <= factor;
  const heapRatio = operate.heapPerConnection / bare.heapPerConnection;
  const gen = operate.generators
    ? ` (${operate.generators} generator processes, busiest ${((operate.generatorCpuShare ?? 0) * 100).toFixed(0)}% of a core)`
    : '';
  return [
    `| ${int(largest)} clients on one node${gen}: heap per connection after gc() | ${int(bare.heapPerConnection)} B | ${int(operate.heapPerConnection)} B | ${ratio(heapRatio)} | ≤ 1.00× | ${met(heapRatio <= 1)} |`,
    `| ${int(largest)} clients: fresh connect (growth from ${int(smallest)}) | ${connect(bare, bareSmall)} | ${connect(operate, operateSmall)} | ${ratio(operate.connectSeconds / bare.connectSeconds)} | growth ≤ linear | ${met(operate.connectSeconds / operateSmall.connectSeconds <= factor)} |`,
    `| ${int(largest)} clients: reconnect storm, last caught up (growth from ${int(smallest)}) | ${storm(bare, bareSmall)} | ${storm(operate, operateSmall)}; ${int(operate.gaps ?? 0)} gaps, ${int(operate.duplicates ?? 0)} duplicates, ${int(operate.resets ?? 0)} resets | ${ratio(operate.stormSeconds / bare.stormSeconds)} | growth ≤ linear; 0 / 0 / 0 | ${met(linear(operate, operateSmall) && !operate.gaps && !operate.duplicates && !operate.resets)} |`,
  ];
}

function crossNodeRows(run: CrossNodeResult | undefined): string[] {
  if (!run) return [];
  return [
    `| Two nodes on Redis, sockets all on node A: node B's CPU per event of A's | — | ${run.idleNodeCpuUsPerEvent.toFixed(2)} µs (${run.idleNodeCpuUsPerWindow ? `median of ${run.idleNodeCpuUsPerWindow.map((each) => each.toFixed(2)).join(' / ')}; ` : ''}${int(run.localEvents)} events${run.localPerSecond === undefined ? '' : ` at ${int(run.localPerSecond)}/s`}${run.idleNodeEventsHeard === undefined ? '' : `, ${int(run.idleNodeEventsHeard)} of them sent to node B`}${run.idleNodeFullGcs ? `; ${int(run.idleNodeFullGcs)} full collection${run.idleNodeFullGcs === 1 ? '' : 's'} of B's own, ${run.idleNodeFullGcs === 1 ? 'its round' : 'their rounds'} left out` : ''}) | | ≤ 2 µs, none sent to B | ${met(run.idleNodeCpuUsPerEvent <= 2 && !run.idleNodeEventsHeard)} |`,
    ...(run.idleNodeCpuUsPerLogin === undefined
      ? []
      : [
          `| Two nodes on Redis, node A's login wave of ${int(run.clients)} clients: node B's CPU per client | — | ${run.idleNodeCpuUsPerLogin.toFixed(1)} µs | | reported | |`,
        ]),
    `| Two nodes on Redis: commit on B → client on A, p50 / p99 at ${int(run.offeredPerSecond)}/s | — | ${ms(run.p50Ms)} / ${ms(run.p99Ms)} (${int(run.committedPerSecond)}/s committed, ${int(run.missing)} missing${run.leaderFullGcs === undefined ? '' : `; node A meanwhile ${int(run.leaderFullGcs)} full collections, ${int(run.leaderGcPauseMs ?? 0)} ms in collector pauses`}) | | p99 ≤ 50 ms, 0 missing | ${met(run.p99Ms <= 50 && run.missing === 0 && run.duplicates === 0)} |`,
  ];
}

function connectRows(result: BenchResult): string[] {
  const row = (label: string, pair: Pair<ConnectResult> | undefined, limit: number) => {
    if (!pair) return [];
    const connectRatio = roundsRatio(pair.bare, pair.operate, pair.bare.seconds, pair.operate.seconds);
    const cpu = (rounds: readonly number[] | undefined) => (rounds?.length ? `; server CPU ${median(rounds).toFixed(1)} s` : '');
    const waves = (result: ConnectResult) => `${withRounds(result.seconds, result.rounds, 1, ' s')}${cpu(result.serverCpuRounds)}`;
    const ratioCell = ratioWithRounds(connectRatio, pair.bare.rounds, pair.operate.rounds);
    return [
      `| Fresh connect of ${int(pair.operate.clients)} clients (the login wave), ${label} | ${waves(pair.bare)} | ${waves(pair.operate)} | ${ratioCell} | ≤ ${limit.toFixed(2)}× | ${met(connectRatio <= limit)} |`,
    ];
  };
  return [...row('PostgreSQL', result.connect, 1.5), ...row('embedded PGlite', result.connectEmbedded, 2)];
}

function bigOrgRows(after: BigOrgResult): string[] {
  const { before } = after;
  const cell = (run: BigOrgRun | undefined, value: (run: BigOrgRun) => string) => (run ? value(run) : 'not run');
  const row = (measure: string, value: (run: BigOrgRun) => string, target: string, ok: boolean | undefined) =>
    `| ${measure} | ${cell(before, value)} | ${value(after)} | ${target} | ${ok === undefined ? '' : met(ok)} |`;
  return [
    `One organization of many dashboards (the real RealtimeClient and TanStack Query cache in Node, over real HTTP): invoice events, then nothing else; the login wave of all of them before. Before: every event refetched its lists (${cell(before, (run) => `${int(run.clients)} dashboards, ${int(run.events)} events`)}); after: the cache rules (${int(after.clients)} dashboards, ${int(after.events)} events).`,
    '',
    '| Measure | Before (refetch per event) | After (cache rules) | Target | Met |',
    '| --- | --- | --- | --- | --- |',
    row(
      'REST requests per delivered invoice event',
      (run) => run.restRequestsPerEvent.toFixed(3),
      '≤ 0.01',
      after.restRequestsPerEvent <= 0.01,
    ),
    row(
      '`GET /presence` after the first load (login wave)',
      (run) => int(run.presenceGetsAfterLoad),
      '0',
      after.presenceGetsAfterLoad === 0,
    ),
    row(
      'p99 commit → updated view',
      (run) => ms(run.p99ViewUpdateMs),
      '≤ 100 ms',
      after.p99ViewUpdateMs <= 100 && after.missingViews === 0,
    ),
    row('p99 commit → event at the dashboard’s client', (run) => ms(run.p99EventArrivalMs), 'reported', undefined),
    row('Views that never showed an invoice', (run) => int(run.missingViews), '0', after.missingViews === 0),
    row('API CPU, login wave + events', (run) => `${run.apiCpuSeconds.toFixed(1)} s`, 'reported', undefined),
    row('Login wave, all dashboards loaded', (run) => `${run.loginWaveSeconds.toFixed(1)} s`, 'reported', undefined),
    row(
      'Busiest dashboard process while invoices arrived',
      (run) => `${(run.generatorCpuShare * 100).toFixed(0)}% of a core`,
      'reported',
      undefined,
    ),
  ];
}
