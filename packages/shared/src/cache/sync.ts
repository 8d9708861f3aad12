import type { EventEnvelope } from '../catalog.js';
import type { ResyncReason } from '../client/realtime-client.js';
import { applyEvent } from './rules.js';
import type { QueryKey, QueryStore } from './store.js';

export interface RefetchTiming {
  /** Keys asked for within this long are fetched once. */
  readonly delayMs?: number;
  /** Plus a random part up to this long, so a thousand viewers of one change do not all ask in the same moment. */
  readonly jitterMs?: number;
  readonly random?: () => number;
}

/**
 * Fetches again what events could not patch: each key once per burst, after `delayMs` plus jitter. A key
 * already waiting is not scheduled twice, however many events ask for it meanwhile.
 */
export class RefetchBatcher {
  private readonly pending = new Map<string, QueryKey>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly delayMs: number;
  private readonly jitterMs: number;
  private readonly random: () => number;

  constructor(
    private readonly cache: QueryStore,
    timing: RefetchTiming = {},
  ) {
    this.delayMs = timing.delayMs ?? 50;
    this.jitterMs = timing.jitterMs ?? 250;
    this.random = timing.random ?? Math.random;
  }

  add(keys: readonly QueryKey[]): void {
    for (const key of keys) this.pending.set(JSON.stringify(key), key);
    if (this.pending.size > 0 && this.timer === undefined)
      this.timer = setTimeout(() => this.flush(), this.delayMs + Math.floor(this.random() * this.jitterMs));
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const keys = [...this.pending.values()];
    this.pending.clear();
    for (const queryKey of keys) void this.cache.invalidateQueries({ queryKey, exact: true });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

/** The part of the realtime client the cache listens to. */
export interface CacheEventSource {
  onEvent(handler: (envelope: EventEnvelope) => void): () => void;
  onResync(listener: (reason: ResyncReason) => void): () => void;
}

/**
 * Keeps a TanStack Query cache in step with the event stream: each event is applied by its rule (`cacheRules`),
 * what a rule cannot decide is fetched again once per burst, and everything shown is fetched again only when
 * events may have been missed (a first connection, a `reset`: a gap or a reconnect the server could not resume).
 * Returns the disconnect.
 */
export function syncCache(source: CacheEventSource, cache: QueryStore, timing: RefetchTiming = {}): () => void {
  const batcher = new RefetchBatcher(cache, timing);
  const offEvent = source.onEvent((envelope) => batcher.add(applyEvent(cache, envelope)));
  const offResync = source.onResync(() => {
    batcher.dispose();
    void cache.invalidateQueries();
  });
  return () => {
    offEvent();
    offResync();
    batcher.dispose();
  };
}
