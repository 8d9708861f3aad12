interface Waiting<K, V> {
  readonly key: K;
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces lookups into few queries: a lookup waits for the current turn of the event loop to end, and
 * while `maxInFlight` queries are already running, new lookups gather for the next one (at most
 * `maxBatch` keys each). A lone lookup costs one query as before; a thousand sockets reconnecting at
 * once cost a handful — under load the batches grow by themselves to the rate times the query time.
 */
export class BatchLoader<K, V> {
  private waiting: Waiting<K, V>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly fetch: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly options: { readonly maxBatch?: number; readonly maxInFlight?: number } = {},
  ) {}

  /** The value for `key`, or undefined when the query found none. */
  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const maxBatch = this.options.maxBatch ?? 500;
    const maxInFlight = this.options.maxInFlight ?? 2;
    while (this.waiting.length > 0 && this.inFlight < maxInFlight) {
      const batch = this.waiting.splice(0, maxBatch);
      this.inFlight++;
      this.fetch([...new Set(batch.map((entry) => entry.key))])
        .then(
          (values) => {
            for (const entry of batch) entry.resolve(values.get(entry.key));
          },
          (error: unknown) => {
            for (const entry of batch) entry.reject(error);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.flush();
        });
    }
  }
}
