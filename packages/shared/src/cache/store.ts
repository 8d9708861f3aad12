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
