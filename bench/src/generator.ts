/**
 * The load generator: thousands of raw-`ws` clients (client.ts), so the generator is not what saturates
 * first. Its own CPU is reported with every measurement.
 */

import { BenchClient, Counters, type Measurement, type Protocol, type Receipt } from './client.js';
import { serve } from './ipc.js';
import { now } from './pace.js';
import { distribution, mapLimited } from './stats.js';
import type { ClientSpec } from './workload.js';

export type { Protocol, Receipt } from './client.js';

const counters = new Counters();
let clients: BenchClient[] = [];
let target = '';
let measureStart: { cpu: NodeJS.CpuUsage; at: number } | undefined;

async function openAll(timeoutMs: number, concurrency: number, since: number) {
  const outcomes = await mapLimited(clients, concurrency, (client) =>
    client.open(target, timeoutMs).then(
      () => now() - since,
      (error: unknown) => {
        counters.problem(`client ${client.index}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      },
    ),
  );
  const attached = outcomes.filter((ms): ms is number => ms !== undefined);
  return { attached: attached.length, failed: outcomes.length - attached.length, attachMs: distribution(attached) };
}

export const api = {
  async connect(params: { url: string; clients: ClientSpec[]; protocol: Protocol; concurrency: number; timeoutMs: number }) {
    target = params.url;
    clients = params.clients.map((spec, index) => new BenchClient(index, spec, params.protocol, counters));
    const cpu = process.cpuUsage();
    const started = now();
    const result = await openAll(params.timeoutMs, params.concurrency, started);
    const used = process.cpuUsage(cpu);
    return { ...result, totalMs: now() - started, cpuUs: used.user + used.system, errors: counters.errors.slice(0, 5) };
  },
  deliveries: () => counters.deliveries,
  measureStart() {
    counters.latencies = [];
    counters.measuring = true;
    measureStart = { cpu: process.cpuUsage(), at: now() };
    return counters.deliveries;
  },
  measureStop(): Measurement {
    counters.measuring = false;
    if (!measureStart) throw new Error('measureStop without measureStart');
    const cpu = process.cpuUsage(measureStart.cpu);
    const result = {
      deliveries: counters.latencies.length,
      latencyMs: distribution(counters.latencies),
      cpuUs: cpu.user + cpu.system,
      wallMs: now() - measureStart.at,
    };
    counters.latencies = [];
    return result;
  },
  record({ on }: { on: boolean }) {
    if (on) counters.receipts = [];
    counters.recording = on;
  },
  /** Receipts recorded so far (taken once: the buffer is emptied). */
  receipts(): Receipt[] {
    const receipts = counters.receipts;
    counters.receipts = [];
    return receipts;
  },
  /** Every client drops at once and comes back (Operate: with its last cursor); the time each needed to be attached again. */
  async storm(params: { concurrency: number; timeoutMs: number }) {
    const resetsBefore = counters.resets;
    const replayedBefore = counters.replayed;
    const cpu = process.cpuUsage();
    const started = now();
    for (const client of clients) client.drop();
    const result = await openAll(params.timeoutMs, params.concurrency, started);
    const used = process.cpuUsage(cpu);
    return {
      ...result,
      cpuShare: (used.user + used.system) / ((now() - started) * 1000),
      resets: counters.resets - resetsBefore,
      replayed: counters.replayed - replayedBefore,
      errors: counters.errors.slice(0, 5),
    };
  },
  close() {
    for (const client of clients) client.drop();
    clients = [];
  },
};

serve(api);
