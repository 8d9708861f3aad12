/** A TanStack Query key (the same type as `@tanstack/query-core`'s). */
export type QueryKey = readonly unknown[];

/**
 * The part of TanStack Query's `QueryClient` the cache rules use, declared structurally so that any copy of
 * `@tanstack/query-core` (the dashboard's, the benchmark's) fits.
 */
export interface QueryStore {
  getQueryData(queryKey: QueryKey): unknown;
  getQueriesData(filters: { queryKey: QueryKey }): [QueryKey, unknown][];
  setQueryData(queryKey: QueryKey, data: unknown): unknown;
  invalidateQueries(filters?: { queryKey?: QueryKey; exact?: boolean }): Promise<void>;
}

/** Views the cache rules built from the one before: every unchanged part is that view's own object. */
const patchedViews = new WeakSet<object>();

/** Stores a view built by a cache rule, marked so `sharePatchedViews` does not compare it deeply again. */
export function writeView(cache: QueryStore, queryKey: QueryKey, view: unknown): void {
  if (typeof view === 'object' && view !== null) patchedViews.add(view);
  cache.setQueryData(queryKey, view);
}

/**
 * A `structuralSharing` option for a TanStack Query client synced by the cache rules. TanStack's default
 * (`replaceEqualDeep`, passed as `fallback`) walks the old and new data on every write to keep unchanged parts
 * identical; a patched view already keeps them (a changed item is new, the rest are the held objects), so it is
 * stored as it is. Fetched data still goes through `fallback`.
 */
export function sharePatchedViews(fallback: (previous: unknown, next: unknown) => unknown) {
  return (previous: unknown, next: unknown): unknown =>
    typeof next === 'object' && next !== null && patchedViews.has(next) ? next : fallback(previous, next);
}
