'use client';

import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { createContext, useCallback, useContext } from 'react';
import type { ApiClient } from './api';

export const ApiContext = createContext<ApiClient | null>(null);

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <Providers>');
  return api;
}

/**
 * Applies a mutation's response to the cache as its echo event would (`cacheWrites`), fetching again only the
 * pages it cannot decide. The echo then carries the same version and changes nothing: one change, no refetch.
 */
export function useCacheWrite(): (write: (cache: QueryClient) => readonly QueryKey[]) => void {
  const queryClient = useQueryClient();
  return useCallback(
    (write) => {
      for (const queryKey of write(queryClient)) void queryClient.invalidateQueries({ queryKey, exact: true });
    },
    [queryClient],
  );
}
