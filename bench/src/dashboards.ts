/**
 * The big-organization scenario's load generator: dashboards as a browser tab runs them — the real
 * RealtimeClient, a TanStack Query cache (@tanstack/query-core) kept by the dashboard's cache rules
 * (`syncCache`), and the invoice page's and presence indicator's queries over real HTTP. `legacy` keeps the cache
 * the way the dashboard did before the rules: every invoice event refetches the list, every presence change the
 * presence list (batched per tab over 50 ms).
 */
import { InvoiceEvent, PresenceEvent, type InvoiceSummary, type Page, type PresenceView } from '@operate/shared';
import { queryKeys, RefetchBatcher, sharePatchedViews, syncCache, type QueryKey } from '@operate/shared/cache';
import { RealtimeClient } from '@operate/shared/client';
import { QueryClient, QueryObserver, replaceEqualDeep } from '@tanstack/query-core';
import { serve } from './ipc.js';
import { now } from './pace.js';
import { mapLimited } from './stats.js';
import { WindowProfiler } from './workload.js';

export type CacheMode = 'rules' | 'legacy';

export interface DashboardSpec {
  readonly token: string;
  readonly userId: string;
}

const INVOICE_PAGE = { page: 1, pageSize: 50 };
const LIVE_TIMEOUT_MS = 30_000;

interface Dashboard {
  readonly client: RealtimeClient;
  readonly cache: QueryClient;
  readonly stop: () => void;
}

const counts = { invoiceGets: 0, presenceGets: 0, invoiceGetsAfterLoad: 0, presenceGetsAfterLoad: 0, failures: 0 };
let firstFailure: string | undefined;
let since = { cpu: process.cpuUsage(), at: now() };
let dashboards: Dashboard[] = [];
/** When each dashboard's invoice view first showed each invoice (after its load): [invoiceId, at]. */
let viewUpdates: [string, number][] = [];
/** When each dashboard's realtime client received each invoice event (after its load): where the time to the view went. */
let arrivals: [string, number][] = [];

/** The dashboard before the cache rules: whole lists fetched again for every event (as `invalidation.ts` did). */
function legacySync(client: RealtimeClient, cache: QueryClient): () => void {
  const batcher = new RefetchBatcher(cache, { delayMs: 50, jitterMs: 0 });
  const lists: Partial<Record<string, QueryKey>> = {
    [PresenceEvent.Changed]: queryKeys.presence,
    ...Object.fromEntries(Object.values(InvoiceEvent).map((event) => [event, queryKeys.invoiceList(INVOICE_PAGE)])),
  };
  const offEvent = client.onEvent((envelope) => {
    const key = lists[envelope.type];
    if (key) batcher.add([key]);
  });
  const offResync = client.onResync(() => void cache.invalidateQueries());
  return () => {
    offEvent();
    offResync();
    batcher.dispose();
  };
}

/** An error with its cause (undici's `fetch failed` hides the socket error there). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function live(client: RealtimeClient): Promise<void> {
  if (client.status === 'live') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`not live within ${LIVE_TIMEOUT_MS} ms`));
    }, LIVE_TIMEOUT_MS);
    const off = client.onStatus((status) => {
      if (status !== 'live') return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** A signed-in tab opening the invoice page: connects, then mounts the invoice list and the presence indicator. */
async function open(url: string, spec: DashboardSpec, mode: CacheMode): Promise<Dashboard> {
  let loaded = false;
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${spec.token}` } });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  // As the dashboard's (apps/web providers.tsx): one retry; fresh until an event or a reset says otherwise; views the
  // rules patched stored as they are. The dashboard as it was compared every write deeply.
  const cache = new QueryClient({
    defaultOptions: {
      queries: {
        retry: 1,
        staleTime: Number.POSITIVE_INFINITY,
        ...(mode === 'rules' ? { structuralSharing: sharePatchedViews(replaceEqualDeep) } : {}),
      },
    },
  });
  const client = new RealtimeClient({
    url,
    getToken: () => Promise.resolve(spec.token),
    socketOptions: { transports: ['websocket'] },
    heartbeat: { intervalMs: 60_000, timeoutMs: 30_000 },
  });
  const unsync = mode === 'rules' ? syncCache(client, cache) : legacySync(client, cache);
  client.start();
  await live(client);
  const invoiceQuery = {
    queryKey: queryKeys.invoiceList(INVOICE_PAGE),
    queryFn: () => {
      counts.invoiceGets++;
      if (loaded) counts.invoiceGetsAfterLoad++;
      return get<Page<InvoiceSummary>>(`/invoices?page=1&pageSize=${INVOICE_PAGE.pageSize}`);
    },
  };
  const presenceQuery = {
    queryKey: queryKeys.presence,
    queryFn: () => {
      counts.presenceGets++;
      if (loaded) counts.presenceGetsAfterLoad++;
      return get<PresenceView>('/presence');
    },
  };
  // The page's first load; the observers then hold both queries as mounted components do (fresh: no refetch on mount).
  await Promise.all([cache.fetchQuery(invoiceQuery), cache.fetchQuery(presenceQuery)]);
  const invoices = new QueryObserver(cache, invoiceQuery);
  const presence = new QueryObserver(cache, presenceQuery);
  const known = new Set((cache.getQueryData<Page<InvoiceSummary>>(invoiceQuery.queryKey)?.items ?? []).map((item) => item.invoiceId));
  const offInvoices = invoices.subscribe((result) => {
    for (const invoice of result.data?.items ?? []) {
      if (known.has(invoice.invoiceId)) continue;
      known.add(invoice.invoiceId);
      if (loaded) viewUpdates.push([invoice.invoiceId, now()]);
    }
    if (result.error) {
      counts.failures++;
      firstFailure ??= result.error.message;
    }
  });
  const offPresence = presence.subscribe(() => undefined);
  const offArrivals = client.subscribe(InvoiceEvent.Created, (invoice) => arrivals.push([invoice.invoiceId, now()]));
  loaded = true;
  return {
    client,
    cache,
    stop: () => {
      offInvoices();
      offPresence();
      offArrivals();
      unsync();
      client.stop();
      cache.clear();
    },
  };
}

const profiler = new WindowProfiler();

export const api = {
  profileStart: () => profiler.start(),
  profileStop: ({ path }: { path: string }) => profiler.stop(path),
  /** The login wave: every dashboard opens (at most `concurrency` at a time); what it cost once each had loaded. */
  async open(params: { url: string; specs: DashboardSpec[]; mode: CacheMode; concurrency: number }) {
    const started = now();
    const cpu = process.cpuUsage();
    const opened = await mapLimited(params.specs, params.concurrency, (spec) =>
      open(params.url, spec, params.mode).catch((error: unknown) => {
        counts.failures++;
        firstFailure ??= describe(error);
        return undefined;
      }),
    );
    dashboards = opened.filter((dashboard): dashboard is Dashboard => dashboard !== undefined);
    const used = process.cpuUsage(cpu);
    return { opened: dashboards.length, seconds: (now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
  },
  /** What the dashboards asked for since the last reset, and this process's share of one core meanwhile. */
  counts() {
    const cpu = process.cpuUsage(since.cpu);
    return { ...counts, firstFailure, cpuShare: (cpu.user + cpu.system) / ((now() - since.at) * 1000) };
  },
  resetCounts() {
    since = { cpu: process.cpuUsage(), at: now() };
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] = 0;
    firstFailure = undefined;
    viewUpdates = [];
    arrivals = [];
  },
  /** View updates and event arrivals so far (taken once: the buffers are emptied). */
  viewUpdates(): { views: [string, number][]; arrivals: [string, number][] } {
    const taken = { views: viewUpdates, arrivals };
    viewUpdates = [];
    arrivals = [];
    return taken;
  },
  close() {
    for (const dashboard of dashboards) dashboard.stop();
    dashboards = [];
  },
};

serve(api);
