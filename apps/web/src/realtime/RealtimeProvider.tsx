'use client';

import { useQueryClient } from '@tanstack/react-query';
import type { RealtimeClient, RealtimeStatus } from '@operate/shared/client';
import { createContext, useContext, useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { applyCachePatch, InvalidationBatcher, keysToInvalidate } from './invalidation';

interface RealtimeContextValue {
  readonly client: RealtimeClient | null;
}

const RealtimeContext = createContext<RealtimeContextValue>({ client: null });

/**
 * Runs one realtime client for the signed-in tab: starts it, stops it on unmount, keeps TanStack Query's
 * cache fresh (each event invalidates the queries it affects, batched; a `reset` or first connection
 * refetches everything shown). `client` is null while nobody is signed in.
 */
export function RealtimeProvider({ client, children }: { client: RealtimeClient | null; children: ReactNode }) {
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!client) return;
    const batcher = new InvalidationBatcher(queryClient);
    const offEvent = client.onEvent((envelope) => {
      batcher.add([...applyCachePatch(queryClient, envelope), ...keysToInvalidate(envelope)]);
    });
    const offResync = client.onResync(() => void queryClient.invalidateQueries());
    client.start();
    return () => {
      offEvent();
      offResync();
      batcher.dispose();
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
