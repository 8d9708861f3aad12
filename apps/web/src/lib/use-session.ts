'use client';

import { useSyncExternalStore } from 'react';
import { sessionStore, type Session } from './session';

const noop = () => () => undefined;

/** The signed-in session (null when signed out, and during server rendering). */
export function useSession(): Session | null {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get, () => null);
}

/** False during server rendering and hydration, true after: localStorage can be trusted from then on. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );
}
