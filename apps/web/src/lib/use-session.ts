'use client';

import { useSyncExternalStore } from 'react';
import { sessionStore, type Session, type SessionState } from './session';

/** Restoring, signed out, or signed in with the session (restoring during server rendering). */
export function useSessionState(): SessionState {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get, sessionStore.initial);
}

/** The signed-in session, or null (signed out, or not restored yet). */
export function useSession(): Session | null {
  return useSessionState().session;
}
