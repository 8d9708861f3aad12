'use client';

/** Who is signed in and with which tokens; kept in localStorage so every tab of the browser shares it. */
export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch milliseconds when the access token expires. */
  readonly expiresAt: number;
  readonly user: SessionUser;
}

export interface SessionUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: 'OWNER' | 'ADMIN' | 'MEMBER';
  readonly organization: { readonly id: string; readonly name: string; readonly slug: string };
}

const KEY = 'operate.session';
const listeners = new Set<() => void>();
let cached: { raw: string | null; session: Session | null } = { raw: null, session: null };

function parse(raw: string | null): Session | null {
  try {
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function read(): Session | null {
  if (typeof window === 'undefined') return null;
  const raw = window.localStorage.getItem(KEY);
  if (raw !== cached.raw) {
    cached = { raw, session: parse(raw) };
  }
  return cached.session;
}

export const sessionStore = {
  get: read,
  set: (session: Session | null): void => {
    if (session) window.localStorage.setItem(KEY, JSON.stringify(session));
    else window.localStorage.removeItem(KEY);
    for (const listener of [...listeners]) listener();
  },
  subscribe: (listener: () => void): (() => void) => {
    listeners.add(listener);
    // Another tab signed in or out.
    const onStorage = (event: StorageEvent) => {
      if (event.key === KEY) listener();
    };
    window.addEventListener('storage', onStorage);
    return () => {
      listeners.delete(listener);
      window.removeEventListener('storage', onStorage);
    };
  },
};
