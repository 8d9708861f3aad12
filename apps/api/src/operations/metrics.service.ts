import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { scopeKindOfAudience } from '@operate/shared';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CountedHistogram } from './counted-histogram.js';

/**
 * What `/metrics` reports, in its own registry (several apps can share a process in tests). The event
 * layer records as it works; nothing here reads the database.
 */
@Injectable()
export class Metrics implements OnModuleDestroy {
  readonly registry = new Registry();
  /** Delivered and routed events by type since start, counted on the delivery path and handed over when scraped. */
  private readonly deliveredByType = new TypeCounts();
  private readonly routedByType = new TypeCounts();
  readonly socketsConnected = new Gauge({
    name: 'operate_sockets_connected',
    help: 'Client sockets connected to this node.',
    registers: [this.registry],
  });
  readonly eventsPublished = new Counter({
    name: 'operate_events_published_total',
    help: 'Events the relay took from the outbox and sent to the nodes holding their rooms (counted on the leader), by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly eventsDelivered: Counter<'type'> = new Counter({
    name: 'operate_events_delivered_total',
    help: "Events this node emitted to its sockets' rooms, by type.",
    labelNames: ['type'] as const,
    registers: [this.registry],
    collect: () => this.deliveredByType.report(this.eventsDelivered),
  });
  readonly relayLag = new Gauge({
    name: 'operate_relay_lag_seconds',
    help: 'Age of the oldest event in the last batch the relay published (commit to relay).',
    registers: [this.registry],
  });
  readonly relayLeader = new Gauge({
    name: 'operate_relay_leader',
    help: 'Whether this node leads the relay (1) or waits to take over (0): exactly one node should report 1.',
    registers: [this.registry],
  });
  readonly replays = new Counter({
    name: 'operate_replays_total',
    help: 'Resuming sockets, by outcome: resumed (missed events replayed) or reset (told to refetch).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly resets = new Counter({
    name: 'operate_resets_total',
    help: 'Resets sent to resuming sockets, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly replayedEvents = new Counter({
    name: 'operate_replayed_events_total',
    help: 'Events sent again to resuming sockets.',
    registers: [this.registry],
  });
  readonly deliveryLag = new CountedHistogram({
    name: 'operate_delivery_lag_seconds',
    help: 'From publish to emit on this node, by the scope kind of the event (organization, user, family, entity, marketplace, broadcast).',
    labelNames: ['scope'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    // Recorded by scope name, so the series stay a handful whatever the number of tenants.
    labelsOf: (scope) => ({ scope }),
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'operate_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern (e.g. /invoices/:id; unmatched for none) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'operate_http_request_duration_seconds',
    help: 'HTTP response time, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** Set by the event layer: what the relay has not delivered yet (read from the database when scraped). */
  outboxSource: (() => Promise<{ pending: number; unconfirmed: number }>) | undefined;
  /** Set at start with REDIS_URL: whether both Redis connections are ready. */
  redisSource: (() => boolean) | undefined;
  /** Set by the event layer: whether this node reads events from the database because Redis is away. */
  tailingSource: (() => boolean) | undefined;

  readonly eventsRouted: Counter<'type'> = new Counter({
    name: 'operate_events_routed_total',
    help: 'Events the relay leader sent this node (with several nodes): only those for rooms its sockets are in, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
    collect: () => this.routedByType.report(this.eventsRouted),
  });
  readonly eventsRepaired = new Counter({
    name: 'operate_events_repaired_total',
    help: 'Events this node read from the database because their message from the relay leader did not arrive: seen as a gap at the next message (found="gap") or by the follower comparing its cursor with what the leader recorded as delivered (found="behind").',
    labelNames: ['found'] as const,
    registers: [this.registry],
  });
  readonly outboxBacklog = new Gauge({
    name: 'operate_outbox_backlog_events',
    help: 'Events not yet delivered: pending (committed, not yet numbered by the relay) and unconfirmed (sent, not yet recorded as delivered).',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: async () => {
      const source = this.outboxSource;
      if (!source) return;
      try {
        const { pending, unconfirmed } = await source();
        this.outboxBacklog.set({ state: 'pending' }, pending);
        this.outboxBacklog.set({ state: 'unconfirmed' }, unconfirmed);
      } catch {
        // The database is away: the gauge keeps its last value; /health says what is down.
      }
    },
  });
  readonly redisConnected = new Gauge({
    name: 'operate_redis_connected',
    help: 'Whether this node hears the others through Redis (1), or not (0: it reads events from the database). Absent on a single node.',
    registers: [this.registry],
    collect: () => {
      if (this.redisSource) this.redisConnected.set(this.redisSource() ? 1 : 0);
    },
  });
  readonly eventsTailing = new Gauge({
    name: 'operate_events_from_database',
    help: 'Whether this node currently reads committed events from the database itself because Redis is away (1) or not (0).',
    registers: [this.registry],
    collect: () => {
      if (this.tailingSource) this.eventsTailing.set(this.tailingSource() ? 1 : 0);
    },
  });

  // Sampled every 50 ms by a native timer (cheap); reset after each scrape, so each figure covers one interval.
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 50 });
  readonly eventLoopLag = new Gauge({
    name: 'operate_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape: p50, p99 and max.',
    labelNames: ['quantile'] as const,
    registers: [this.registry],
    collect: () => {
      const delay = this.loopDelay;
      if (delay.count === 0) return;
      this.eventLoopLag.set({ quantile: '0.5' }, delay.percentile(50) / 1e9);
      this.eventLoopLag.set({ quantile: '0.99' }, delay.percentile(99) / 1e9);
      this.eventLoopLag.set({ quantile: 'max' }, delay.max / 1e9);
      delay.reset();
    },
  });

  constructor() {
    this.loopDelay.enable();
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }

  /** One HTTP response: `route` is the matched pattern, never the raw path (ids would make labels unbounded). */
  answered(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  // The process's own figures, read when scraped. prom-client's default set is not used: its GC observer and
  // event-loop monitor run all the time, a measurable cost on every delivered event (see docs/performance.md).
  readonly processCpu = new Gauge({
    name: 'operate_process_cpu_seconds_total',
    help: 'User and system CPU time spent by this process.',
    registers: [this.registry],
    collect() {
      const { user, system } = process.cpuUsage();
      this.set((user + system) / 1e6);
    },
  });
  readonly processMemory = new Gauge({
    name: 'operate_process_memory_bytes',
    help: 'Memory of this process: resident set, V8 heap used and total, external.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
    collect() {
      const memory = process.memoryUsage();
      this.set({ kind: 'rss' }, memory.rss);
      this.set({ kind: 'heap_used' }, memory.heapUsed);
      this.set({ kind: 'heap_total' }, memory.heapTotal);
      this.set({ kind: 'external' }, memory.external);
    },
  });
  readonly uptime = new Gauge({
    name: 'operate_process_uptime_seconds',
    help: 'Seconds since this process started.',
    registers: [this.registry],
    collect() {
      this.set(process.uptime());
    },
  });

  // The delivery path (once per delivered event) only counts: prom-client's label look-ups cost more than that.
  /** One event emitted on this node to `audiences` (its first one names the scope), published at `occurredAt`. */
  delivered(type: string, occurredAt: string, audiences: readonly string[], now = Date.now()): void {
    this.deliveredByType.add(type);
    const [first] = audiences;
    if (first === undefined) return;
    this.deliveryLag.record(scopeKindOfAudience(first) ?? 'other', Math.max(0, (now - Date.parse(occurredAt)) / 1000));
  }

  /** One event the relay leader sent this node (in a span). */
  routed(type: string): void {
    this.routedByType.add(type);
  }
}

/** Counts by event type, handed to a prom-client counter (the increase since the last scrape) when it is scraped. */
class TypeCounts {
  private readonly counts = new Map<string, number>();
  private readonly reported = new Map<string, number>();

  add(type: string): void {
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
  }

  report(counter: Counter<'type'>): void {
    for (const [type, count] of this.counts) {
      const reported = this.reported.get(type) ?? 0;
      if (count > reported) counter.inc({ type }, count - reported);
      this.reported.set(type, count);
    }
  }
}
