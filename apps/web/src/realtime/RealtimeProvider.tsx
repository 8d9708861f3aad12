'use client';

import { useQueryClient } from '@tanstack/react-query';
import { syncCache } from '@operate/shared/cache';
import type { RealtimeClient, RealtimeStatus } from '@operate/shared/client';
import { createContext, useContext, useEffect, useSyncExternalStore, type ReactNode } from 'react';

interface RealtimeContextValue {
  readonly client: RealtimeClient | null;
}

const RealtimeContext = createContext<RealtimeContextValue>({ client: null });

/**
 * Runs one realtime client for the signed-in tab: starts it, stops it on unmount, keeps TanStack Query's
 * cache current (each event is applied by its rule in `cacheRules`; what a rule cannot decide is fetched again
 * once per burst; a `reset` or first connection refetches everything shown). `client` is null while nobody is
 * signed in.
 */
export function RealtimeProvider({ client, children }: { client: RealtimeClient | null; children: ReactNode }) {
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!client) return;
    const unsync = syncCache(client, queryClient);
    client.start();
    return () => {
      unsync();
      client.stop();
    };
  }, [client, queryClient]);

  return <RealtimeContext.Provider value={{ client }}>{children}</RealtimeContext.Provider>;
}

export function useRealtimeClient(): RealtimeClient | null {
  return useContext(RealtimeContext).client;
}

const noSubscription = () => () => undefined;

export function useRealtimeStatus(): RealtimeStatus {
  const client = useRealtimeClient();
  return useSyncExternalStore(
    client ? (listener) => client.onStatus(listener) : noSubscription,
    () => client?.status ?? 'offline',
    () => 'connecting',
  );
}
