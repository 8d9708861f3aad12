import { describe, expect, it } from '@jest/globals';
import { fanoutTail, pairedRatio, pooledCpuPerDelivery, renderMarkdown, type BenchResult, type FanoutStep } from './report.js';

function step(offeredPerSecond: number, rounds: number[], roundDeliveries: number[], sustained = true): FanoutStep {
  const sorted = [...rounds].sort((a, b) => a - b);
  return {
    offeredPerSecond,
    emitted: offeredPerSecond * 4,
    expected: offeredPerSecond * 20,
    delivered: offeredPerSecond * 20,
    cpuUsPerDelivery: sorted[Math.floor(sorted.length / 2)] as number,
    serverCpuShare: 0.5,
    systemShare: 0.4,
    gcUsPerDelivery: 1,
    majorGcs: 0,
    generatorCpuShare: 0.3,
    generatorBound: false,
    latencyMs: { count: 1, p50: 1, p99: 2, max: 3 },
    sustained,
    rounds,
    roundDeliveries,
  };
}

const memory = { connections: 5000, heapPerConnection: 8000, rssPerConnection: 10000, connectSeconds: 5, connectCpuSeconds: 4.8 };

function result(bare: FanoutStep[], operate: FanoutStep[], calibration = false): BenchResult {
  return {
    environment: {
      date: '2026-11-22T12:00:00.000Z',
      commit: 'abc1234',
      node: 'v20',
      cpu: 'test',
      cores: 2,
      memoryGiB: 24,
      postgres: '15',
      calibration,
    },
    seconds: 1,
    memory: { bare: memory, operate: memory },
    commits: { bare: [], operate: [] },
    storms: {},
    fanout: { bare, operate },
  };
}

describe(pooledCpuPerDelivery.name, () => {
  it('is all CPU over all deliveries of every round, each round weighed by its deliveries', () => {
    // (10 × 100 + 20 × 300 + 40 × 600) / 1,000 deliveries
    expect(pooledCpuPerDelivery([step(1000, [10, 20], [100, 300]), step(2000, [40], [600])])).toBeCloseTo(31, 10);
  });
});

/** A load with this p99, sustained when it is within 100 ms (as the bench decides). */
function tailStep(offeredPerSecond: number, p99: number): FanoutStep {
  return { ...step(offeredPerSecond, [30], [1000], p99 <= 100), latencyMs: { count: 1000, p50: 1, p99, max: p99 } };
}

describe(fanoutTail.name, () => {
  it('is met when Operate sustains as high a load as bare, within 2 × bare’s p99 + 5 ms wherever both sustain', () => {
    const bare = [tailStep(4000, 27.9), tailStep(6000, 63.1), tailStep(8000, 159.7)];
    expect(fanoutTail({ bare, operate: [tailStep(4000, 13.9), tailStep(6000, 69.0), tailStep(8000, 264.4)] })).toEqual({
      bare: 6000,
      operate: 6000,
      late: [],
      met: true,
    });
  });

  it('is not met by a lower highest load, nor by a p99 past twice bare’s plus 5 ms at a load both sustain', () => {
    const bare = [tailStep(4000, 10), tailStep(6000, 35.7)];
    expect(fanoutTail({ bare, operate: [tailStep(4000, 10), tailStep(6000, 120)] })).toMatchObject({ operate: 4000, met: false });
    // 2 × 10 + 5 = 25 and 2 × 35.7 + 5 = 76.4 ms
    expect(fanoutTail({ bare, operate: [tailStep(4000, 26), tailStep(6000, 92)] })).toEqual({
      bare: 6000,
      operate: 6000,
      late: [4000, 6000],
      met: false,
    });
    expect(renderMarkdown(result(bare, [tailStep(4000, 26), tailStep(6000, 92)]))).toContain(
      "| Highest fan-out rate with p99 ≤ 100 ms (events/s; × 5 deliveries) | 6,000 | 6,000 (p99 past 2 × bare's + 5 ms at 4,000, 6,000/s) | | ≥ bare's; p99 ≤ 2 × bare's + 5 ms at each load both sustain | **no** |",
    );
  });
});

describe(renderMarkdown.name, () => {
  it('reports the heap a resumed connection holds over a fresh one, signed, once both servers were measured', () => {
    const resumed = (bare: number, operate: number): BenchResult => ({
      ...result([], []),
      memory: { bare: { ...memory, resumedHeapPerConnection: bare }, operate: { ...memory, resumedHeapPerConnection: operate } },
    });
    expect(renderMarkdown(resumed(-32.4, 88.2))).toContain(
      '| Heap per idle connection once resumed, over its fresh one, after gc() | −32 B | +88 B | | reported | |',
    );
    expect(renderMarkdown(result([], []))).not.toContain('once resumed');
  });

  it('judges delivery CPU on the pooled figure of the loads both servers sustained, and shows each load with its spread', () => {
    const bare = [
      step(1000, [50, 40, 45], [5000, 5000, 5000]),
      step(2000, [40, 40, 40], [10000, 10000, 10000]),
      step(4000, [30, 30, 30], [20000, 20000, 20000]),
    ];
    const operate = [
      step(1000, [60, 42, 45], [5000, 5000, 5000]),
      step(2000, [42, 41, 44], [10000, 10000, 10000]),
      // Not sustained: left out of the comparison.
      step(4000, [90, 90, 90], [20000, 20000, 20000], false),
    ];
    const markdown = renderMarkdown(result(bare, operate));
    // bare (50+40+45)×5,000 + 3×40×10,000 over 45,000 = 41.67; Operate (147×5,000 + 127×10,000) / 45,000 = 44.56
    expect(markdown).toContain(
      '| Delivery CPU per event, every round of the loads both sustained (1,000, 2,000/s) | 41.67 µs | 44.56 µs | 1.07× | ≤ 1.10× | yes |',
    );
    expect(markdown).toContain('| 1,000 | 45.00 | 45.00 | 1.05× (1.00–1.20) |');
    expect(pairedRatio(bare[1] as FanoutStep, operate[1] as FanoutStep)).toBeCloseTo(1.05, 10);
    expect(markdown).not.toContain('Calibration run');
  });

  it('says a calibration run is one, and a pooled ratio over the limit is not met', () => {
    const markdown = renderMarkdown(result([step(1000, [40], [5000])], [step(1000, [48], [5000])], true));
    expect(markdown).toContain('**Calibration run (`BENCH_CALIBRATE=1`)');
    expect(markdown).toContain('| 40.00 µs | 48.00 µs | 1.20× | ≤ 1.10× | **no** |');
  });
});

describe('the big organization', () => {
  const run = {
    clients: 1000,
    events: 100,
    restRequestsPerEvent: 0,
    presenceGetsAfterLoad: 0,
    apiCpuSeconds: 16,
    p99ViewUpdateMs: 90,
    p99EventArrivalMs: 89,
    missingViews: 0,
    loginWaveSeconds: 30,
    generatorCpuShare: 0.4,
  };

  it('shows before and after side by side and judges the targets on the after figures', () => {
    const before = { ...run, clients: 200, events: 20, restRequestsPerEvent: 0.82, presenceGetsAfterLoad: 3174, p99ViewUpdateMs: 4989 };
    const markdown = renderMarkdown({ ...result([], []), bigOrg: { ...run, before } });
    expect(markdown).toContain('| REST requests per delivered invoice event | 0.820 | 0.000 | ≤ 0.01 | yes |');
    expect(markdown).toContain('| `GET /presence` after the first load (login wave) | 3,174 | 0 | 0 | yes |');
    expect(markdown).toContain('| p99 commit → updated view | 4989.0 ms | 90.0 ms | ≤ 100 ms | yes |');
  });

  it('says a target is not met, and a missing view fails the latency target too', () => {
    const markdown = renderMarkdown({ ...result([], []), bigOrg: { ...run, restRequestsPerEvent: 0.02, missingViews: 1 } });
    expect(markdown).toContain('| REST requests per delivered invoice event | not run | 0.020 | ≤ 0.01 | **no** |');
    expect(markdown).toContain('| p99 commit → updated view | not run | 90.0 ms | ≤ 100 ms | **no** |');
  });
});

describe('the login wave', () => {
  it('compares fresh connects as a ratio to bare, with the limit of each database', () => {
    const markdown = renderMarkdown({
      ...result([], []),
      connect: { bare: { clients: 5000, seconds: 2.5 }, operate: { clients: 5000, seconds: 3.5 } },
      connectEmbedded: { bare: { clients: 5000, seconds: 3 }, operate: { clients: 5000, seconds: 7.5 } },
    });
    expect(markdown).toContain('| Fresh connect of 5,000 clients (the login wave), PostgreSQL | 2.5 s | 3.5 s | 1.40× | ≤ 1.50× | yes |');
    expect(markdown).toContain(
      '| Fresh connect of 5,000 clients (the login wave), embedded PGlite | 3.0 s | 7.5 s | 2.50× | ≤ 2.00× | **no** |',
    );
  });

  it('judges waves taken in turns by the median of their paired ratios, not by the ratio of the medians', () => {
    const markdown = renderMarkdown({
      ...result([], []),
      connect: {
        bare: { clients: 5000, seconds: 3, rounds: [2, 3, 4] },
        operate: { clients: 5000, seconds: 4.4, rounds: [4.4, 4, 4.8] },
      },
    });
    expect(markdown).toContain(
      '| Fresh connect of 5,000 clients (the login wave), PostgreSQL | 3.0 s (median of 2.0 / 3.0 / 4.0) | 4.4 s (median of 4.4 / 4.0 / 4.8) | 1.33× (median of 2.20× / 1.33× / 1.20×) | ≤ 1.50× | yes |',
    );
  });

  it("shows each server's median CPU over its waves beside their times", () => {
    const markdown = renderMarkdown({
      ...result([], []),
      connect: {
        bare: { clients: 5000, seconds: 2, rounds: [2, 1.8, 2.4], serverCpuRounds: [2.6, 2.1, 1.7] },
        operate: { clients: 5000, seconds: 3, rounds: [3, 2.8, 3.5], serverCpuRounds: [3.6, 3.2, 2.7] },
      },
    });
    expect(markdown).toContain(
      '| 2.0 s (median of 2.0 / 1.8 / 2.4); server CPU 2.1 s | 3.0 s (median of 3.0 / 2.8 / 3.5); server CPU 3.2 s | 1.50× (median of 1.50× / 1.56× / 1.46×) |',
    );
  });
});

describe("the outbox's ceiling", () => {
  const step = (offeredPerSecond: number, p99Ms: number, sustained: boolean) => ({
    offeredPerSecond,
    committedPerSecond: offeredPerSecond,
    p99Ms,
    missing: 0,
    failures: 0,
    sustained,
  });

  it('names the step the climb stopped at, after a rate taken twice', () => {
    const markdown = renderMarkdown({
      ...result([], []),
      relayCeiling: {
        bare: {
          eventsPerSecond: 12000,
          p99Ms: 30,
          missing: 0,
          steps: [step(10000, 140, false), step(10000, 40, true), step(12000, 30, true)],
        },
        operate: {
          eventsPerSecond: 10000,
          p99Ms: 50,
          missing: 0,
          steps: [step(10000, 50, true), step(12000, 130, false), step(12000, 125, false)],
        },
      },
    });
    expect(markdown).toContain(
      '| 12,000/s (p99 30.0 ms) | 10,000/s (p99 50.0 ms); at 12,000/s: 12,000/s committed, p99 125.0 ms, 0 missing, 0 failed | 0.83× |',
    );
  });
});

describe('many clients and several nodes', () => {
  const point = (server: 'bare' | 'operate', clients: number, heap: number, connect: number, storm: number) => ({
    server,
    clients,
    heapPerConnection: heap,
    connectSeconds: connect,
    stormSeconds: storm,
  });

  it("shows beside each time how the server's own CPU grew, when both counts measured it", () => {
    const markdown = renderMarkdown({
      ...result([], []),
      scale: [
        { ...point('bare', 5000, 11_264, 2.5, 2.5), connectCpuSeconds: 2, stormCpuSeconds: 2.5 },
        { ...point('bare', 20_000, 11_264, 10, 12), connectCpuSeconds: 8, stormCpuSeconds: 11 },
        { ...point('operate', 5000, 10_240, 5, 5), connectCpuSeconds: 4 },
        { ...point('operate', 20_000, 10_240, 19, 40), connectCpuSeconds: 15, stormCpuSeconds: 22, gaps: 0, duplicates: 0, resets: 0 },
      ],
    });
    expect(markdown).toContain(
      '| 20,000 clients: fresh connect (growth from 5,000) | 10.0 s (4.0× for 4.0× the clients); server CPU 8.0 s (4.0×) | 19.0 s (3.8× for 4.0× the clients); server CPU 15.0 s (3.8×) | 1.90× | growth ≤ linear | yes |',
    );
    // Operate's 5,000-client storm took no CPU figure: its cell says nothing of CPU; the time alone is judged.
    expect(markdown).toContain(
      '| 20,000 clients: reconnect storm, last caught up (growth from 5,000) | 12.0 s (4.8× for 4.0× the clients); server CPU 11.0 s (4.4×) | 40.0 s (8.0× for 4.0× the clients); 0 gaps',
    );
  });

  it('judges growth from the smallest to the largest count against the growth in clients', () => {
    const markdown = renderMarkdown({
      ...result([], []),
      scale: [
        point('bare', 5000, 11_264, 2.5, 2.5),
        { ...point('bare', 20_000, 11_264, 10, 12), generators: 4, generatorCpuShare: 0.2 },
        point('operate', 5000, 15_360, 5, 7),
        { ...point('operate', 20_000, 10_240, 19, 40), generators: 4, generatorCpuShare: 0.25, gaps: 0, duplicates: 0, resets: 0 },
      ],
    });
    expect(markdown).toContain(
      '| 20,000 clients on one node (4 generator processes, busiest 25% of a core): heap per connection after gc() | 11,264 B | 10,240 B | 0.91× | ≤ 1.00× | yes |',
    );
    expect(markdown).toContain(
      '| 20,000 clients: fresh connect (growth from 5,000) | 10.0 s (4.0× for 4.0× the clients) | 19.0 s (3.8× for 4.0× the clients) | 1.90× | growth ≤ linear | yes |',
    );
    // 7 s → 40 s is 5.7× for 4.0× the clients: worse than linear.
    expect(markdown).toMatch(
      /\| 20,000 clients: reconnect storm, last caught up \(growth from 5,000\) \| 12\.0 s .* \| 40\.0 s \(5\.7× for 4.0× the clients\); 0 gaps, 0 duplicates, 0 resets \| 3\.33× \| growth ≤ linear; 0 \/ 0 \/ 0 \| \*\*no\*\* \|/,
    );
  });

  const crossNode = {
    nodes: 2,
    clients: 5000,
    idleNodeCpuUsPerEvent: 1.5,
    localEvents: 30_000,
    p50Ms: 8.5,
    p99Ms: 42,
    offeredPerSecond: 1000,
    committedPerSecond: 1000,
    missing: 0,
    duplicates: 0,
  };

  it('judges the idle node and the cross-node latency', () => {
    const markdown = renderMarkdown({
      ...result([], []),
      crossNode: { ...crossNode, idleNodeCpuUsPerWindow: [0, 31.2, 1.5] },
    });
    // The median window is judged: one window with a collection of B's own in it does not decide.
    expect(markdown).toContain(
      "node B's CPU per event of A's | — | 1.50 µs (median of 0.00 / 31.20 / 1.50; 30,000 events) | | ≤ 2 µs, none sent to B | yes |",
    );
    expect(markdown).toContain(
      'commit on B → client on A, p50 / p99 at 1,000/s | — | 8.5 ms / 42.0 ms (1,000/s committed, 0 missing) | | p99 ≤ 50 ms, 0 missing | yes |',
    );
  });

  it('fails the idle node that was sent events of rooms it does not hold, whatever its CPU read', () => {
    const run = { ...crossNode, localPerSecond: 2000, idleNodeEventsHeard: 0 };
    expect(renderMarkdown({ ...result([], []), crossNode: run })).toContain(
      '| 1.50 µs (30,000 events at 2,000/s, 0 of them sent to node B) | | ≤ 2 µs, none sent to B | yes |',
    );
    expect(renderMarkdown({ ...result([], []), crossNode: { ...run, idleNodeFullGcs: 1 } })).toContain(
      "| 1.50 µs (30,000 events at 2,000/s, 0 of them sent to node B; 1 full collection of B's own, its round left out) |",
    );
    expect(renderMarkdown({ ...result([], []), crossNode: { ...run, idleNodeEventsHeard: 12 } })).toContain(
      '| 1.50 µs (30,000 events at 2,000/s, 12 of them sent to node B) | | ≤ 2 µs, none sent to B | **no** |',
    );
  });

  it("reports what node A's login wave cost node B per client, and leaves the row out of a run without it", () => {
    expect(renderMarkdown({ ...result([], []), crossNode: { ...crossNode, idleNodeCpuUsPerLogin: 3.14 } })).toContain(
      "| Two nodes on Redis, node A's login wave of 5,000 clients: node B's CPU per client | — | 3.1 µs | | reported | |",
    );
    expect(renderMarkdown({ ...result([], []), crossNode })).not.toContain("node A's login wave");
  });

  it("shows node A's full collections beside the cross-node latency they make the tail of", () => {
    const run = { ...crossNode, p50Ms: 2.1, p99Ms: 55.3, leaderFullGcs: 2, leaderGcPauseMs: 61.4 };
    expect(renderMarkdown({ ...result([], []), crossNode: run })).toContain(
      '| 2.1 ms / 55.3 ms (1,000/s committed, 0 missing; node A meanwhile 2 full collections, 61 ms in collector pauses) | | p99 ≤ 50 ms, 0 missing | **no** |',
    );
  });
});

describe('the reconnect storm', () => {
  const storm = (caughtUpSeconds: number, resets = 0) => ({
    clients: 5000,
    reattached: 5000,
    failed: 0,
    caughtUpSeconds,
    medianSeconds: caughtUpSeconds / 2,
    serverCpuShare: 1,
    generatorCpuShare: 0.5,
    eventsDuring: 1000,
    replayed: 3000,
    resets,
    gaps: 0,
    duplicates: 0,
    errors: [],
  });

  it("is judged as a ratio to bare's time, and a reset fails it as a gap would", () => {
    const within = renderMarkdown({ ...result([], []), storms: { bare: storm(2), operate: storm(3) } });
    expect(within).toContain('| 2.00 s (1.00 s) | 3.00 s (1.50 s), 5,000 of 5,000 | 1.50× | ≤ 1.50× | yes |');
    const behind = renderMarkdown({ ...result([], []), storms: { bare: storm(2), operate: storm(6, 1) } });
    expect(behind).toContain('| 3.00× | ≤ 1.50× | **no** |');
    expect(behind).toContain('| 0 / 0 / 1 (3,000 replayed) | | 0 / 0 / 0 | **no** |');
  });

  it('judges storms taken in turns by the median of their paired ratios, each round shown', () => {
    const markdown = renderMarkdown({
      ...result([], []),
      storms: { bare: { ...storm(3), rounds: [2, 3, 5] }, operate: { ...storm(4.4), rounds: [4.4, 4, 6] } },
    });
    expect(markdown).toContain(
      '| Reconnect storm: last client caught up | 3.00 s (median of 2.00 / 3.00 / 5.00) | 4.40 s (median of 4.40 / 4.00 / 6.00), 5,000 of 5,000 | 1.33× (median of 2.20× / 1.33× / 1.20×) | ≤ 1.50× | yes |',
    );
  });
});
