/** The p-th percentile (0–100) of a sample, nearest-rank; NaN for an empty sample. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function distribution(values: readonly number[] | Float64Array): Distribution {
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) };
}

/** The middle value (the upper one of an even count); NaN for an empty sample. */
export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor(sorted.length / 2)] as number);
}

/** Runs `task` over `items` with at most `limit` in flight; results in item order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Takes each rate in turn until one is not sustained and returns every step taken. A rate missed only by something
 * one pause can cause (`retryable`: a checkpoint or a collection lifting a short step's p99) is taken once more, and
 * the second step decides.
 */
export async function climb<S>(
  rates: readonly number[],
  take: (rate: number) => Promise<S>,
  judge: { sustained: (step: S) => boolean; retryable: (step: S) => boolean },
): Promise<S[]> {
  const steps: S[] = [];
  for (const rate of rates) {
    let step = await take(rate);
    steps.push(step);
    if (!judge.sustained(step) && judge.retryable(step)) {
      step = await take(rate);
      steps.push(step);
    }
    if (!judge.sustained(step)) break;
  }
  return steps;
}
