import DataLoader from 'dataloader';

/** A key the database could not even parse (e.g. not a UUID): its own caller is told, the rest of its batch is not. */
export class InvalidKeyError extends Error {
  constructor(key: unknown) {
    super(`Not a valid key: ${String(key).slice(0, 64)}`);
    this.name = 'InvalidKeyError';
  }
}

export interface BatchedLookupOptions<K> {
  /** Keys that may go into the query; any other fails its own lookup with InvalidKeyError. */
  readonly validKey: (key: K) => boolean;
  /** Most keys in one query (default 500). */
  readonly maxBatch?: number;
  /** Queries running at once (default 2); lookups made meanwhile gather into the next query. */
  readonly maxInFlight?: number;
  /**
   * Least time between two queries' starts (default 0). Under load the lookups made meanwhile gather into the next
   * query, so a storm costs the database a query per interval instead of one per few lookups; a lookup after a
   * quiet spell still goes at once.
   */
  readonly minIntervalMs?: number;
}

/**
 * Coalesces lookups into few queries, on DataLoader (no cache: every lookup reads the database). A lookup
 * waits for the current turn of the event loop to end; while `maxInFlight` queries run, new lookups gather
 * into the next one (at most `maxBatch` keys), so under load the batches grow by themselves to the rate
 * times the query time (or times `minIntervalMs`). A lone lookup costs one query. A bad key fails only its
 * own caller; a failed query fails only the lookups of its batch.
 */
export function batchedLookup<K, V>(
  fetch: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
  options: BatchedLookupOptions<K>,
): DataLoader<K, V | undefined> {
  const maxInFlight = options.maxInFlight ?? 2;
  const minIntervalMs = options.minIntervalMs ?? 0;
  let inFlight = 0;
  let lastStart = Number.NEGATIVE_INFINITY;
  const held: (() => void)[] = [];
  const start = (dispatch: () => void): void => {
    if (inFlight >= maxInFlight) {
      held.push(dispatch);
      return;
    }
    const wait = lastStart + minIntervalMs - performance.now();
    if (wait > 0) {
      setTimeout(() => start(dispatch), wait);
      return;
    }
    lastStart = performance.now();
    dispatch();
  };
  const run = async (keys: readonly K[]): Promise<(V | undefined | Error)[]> => {
    inFlight++;
    try {
      const valid = [...new Set(keys.filter(options.validKey))];
      const values = valid.length > 0 ? await fetch(valid) : new Map<K, V>();
      return keys.map((key) => (options.validKey(key) ? values.get(key) : new InvalidKeyError(key)));
    } finally {
      inFlight--;
      const next = held.shift();
      if (next) start(next);
    }
  };
  return new DataLoader<K, V | undefined>(run, {
    cache: false,
    maxBatchSize: options.maxBatch ?? 500,
    // A batch is dispatched at the end of the turn, or, while maxInFlight queries run, when one of them ends, and
    // not sooner than minIntervalMs after the last one started.
    batchScheduleFn: (dispatch) => setImmediate(() => start(dispatch)),
  });
}

/** For lookups made at every request (the session check): at most one query per this per node. */
export const LOOKUP_INTERVAL_MS = 5;

/**
 * For the lookup made at every socket handshake (the session check with the socket's rooms). A login wave or a
 * storm of reconnects is thousands of handshakes a second, and on a node sharing its cores with PostgreSQL each
 * statement costs far more than the rows it carries: fewer, larger batches. A lone handshake still goes at once;
 * under load one waits at most this long for its batch, next to a connection's own round trips.
 */
export const HANDSHAKE_LOOKUP_INTERVAL_MS = 20;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** For lookups keyed by a uuid column. */
export const isUuid = (key: string): boolean => UUID.test(key);
