'use client';

import { Emitter } from '@operate/shared/client';

/**
 * Who is signed in, held in this tab's memory only: no token is ever written where a page script could
 * read it later (localStorage, sessionStorage, a readable cookie). The refresh token lives in an httpOnly
 * cookie the API set; a reload or a new tab restores the session through it.
 */
export interface Session {
  readonly accessToken: string;
  /** Epoch milliseconds when the access token expires. */
  readonly expiresAt: number;
  readonly sessionId: string;
  readonly user: SessionUser;
}

export interface SessionUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: 'OWNER' | 'ADMIN' | 'MEMBER';
  /** A power over the platform itself: the shop catalog (operator) or escrow disputes (arbiter). */
  readonly platformRole: 'OPERATOR' | 'ARBITER' | null;
  readonly organization: { readonly id: string; readonly name: string; readonly slug: string };
}

/** `restoring` until the refresh cookie was tried once after the page loaded. */
export type SessionState =
  | { readonly status: 'restoring'; readonly session: null }
  | { readonly status: 'signed-out'; readonly session: null }
  | { readonly status: 'signed-in'; readonly session: Session };

const RESTORING: SessionState = { status: 'restoring', session: null };
const SIGNED_OUT: SessionState = { status: 'signed-out', session: null };
const changed = new Emitter<void>();
let state: SessionState = RESTORING;

export const sessionStore = {
  get: (): SessionState => state,
  /** The state before the browser has run anything: the server renders this. */
  initial: (): SessionState => RESTORING,
  set: (session: Session | null): void => {
    state = session ? { status: 'signed-in', session } : SIGNED_OUT;
    changed.emit();
  },
  subscribe: (listener: () => void): (() => void) => changed.on(listener),
};
