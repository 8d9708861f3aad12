'use client';

import { sessionStore, type SessionUser } from './session';

/** An HTTP error from the API, with its stable code (`not_found`, `insufficient_funds`, …). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What login and refresh answer when the refresh token goes to the httpOnly cookie. */
interface AccessGrant {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly sessionId: string;
}

/** What one tab tells the others of this browser. */
type TabMessage = { readonly type: 'signed-in' } | { readonly type: 'signed-out' };

/** Refresh this long before the access token expires, so a request never races its expiry. */
const EXPIRY_MARGIN_MS = 30_000;
/** Restoring the session at page load retries an unreachable API this many times before showing sign-in. */
const RESTORE_ATTEMPTS = 5;
const RESTORE_RETRY_MS = 1_000;

const isUnauthorized = (error: unknown) => error instanceof ApiError && (error.status === 401 || error.status === 403);

/**
 * Talks to the Operate API with the session's bearer token, held in memory only. The refresh token is an
 * httpOnly cookie this code never sees: a page load restores the session through it, and a refresh rotates
 * it. Refreshes are serialised across the browser's tabs (Web Locks), since a rotated refresh token presented
 * twice ends the session; sign-in and sign-out reach every tab (BroadcastChannel).
 */
export class ApiClient {
  private refreshing: Promise<string> | undefined;
  private restoring: Promise<void> | undefined;
  private readonly tabs: BroadcastChannel | undefined;

  constructor(readonly baseUrl: string) {
    if (typeof BroadcastChannel === 'undefined') return;
    this.tabs = new BroadcastChannel('operate.session');
    this.tabs.onmessage = (event: MessageEvent<TabMessage>) => {
      if (event.data.type === 'signed-out') sessionStore.set(null);
      else if (sessionStore.get().status !== 'signed-in') void this.resume(1);
    };
  }

  /** Once per page load: signs this tab in through the refresh cookie, if there is a live one. */
  restore(): Promise<void> {
    this.restoring ??= this.resume(RESTORE_ATTEMPTS);
    return this.restoring;
  }

  async login(email: string, password: string): Promise<void> {
    const grant = await this.send<AccessGrant>('POST', '/auth/login', { email, password, refreshTokenIn: 'cookie' }, undefined);
    await this.establish(grant);
    this.tell({ type: 'signed-in' });
  }

  /** Ends this session on the server (its sockets everywhere are cut), then here and in every tab. */
  async logout(): Promise<void> {
    await this.endOnServer('/auth/logout');
  }

  /** Ends every session of this person: every device, every tab. */
  async logoutEverywhere(): Promise<void> {
    await this.endOnServer('/auth/logout-all');
  }

  /** The server already ended the session (it told a socket so): forget it here and in the other tabs. */
  endLocally(): void {
    sessionStore.set(null);
    this.tell({ type: 'signed-out' });
  }

  /** A valid access token: the current one, or a refreshed one (`forceRefresh`, or when it is about to expire). */
  async token(options: { forceRefresh: boolean } = { forceRefresh: false }): Promise<string> {
    const { session } = sessionStore.get();
    if (!session) throw new ApiError(401, 'unauthorized', 'Not signed in');
    if (!options.forceRefresh && session.expiresAt - Date.now() > EXPIRY_MARGIN_MS) return session.accessToken;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  private async endOnServer(path: string): Promise<void> {
    try {
      await this.post(path);
    } catch (error) {
      // Already ended there (401): fine. Anything else: the session still lives, so say so and stay signed in.
      if (!isUnauthorized(error)) throw error;
    }
    this.endLocally();
  }

  private async resume(attempts: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.refresh();
        return;
      } catch (error) {
        const unreachable = error instanceof ApiError && error.status === 0;
        if (!unreachable || attempt >= attempts) {
          if (sessionStore.get().status !== 'signed-in') sessionStore.set(null);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RESTORE_RETRY_MS * attempt));
      }
    }
  }

  /** One refresh at a time in the whole browser: the cookie another tab just rotated is the one sent next. */
  private refresh(): Promise<string> {
    const rotate = async () => {
      try {
        return await this.establish(await this.send<AccessGrant>('POST', '/auth/refresh', {}, undefined));
      } catch (error) {
        if (isUnauthorized(error)) sessionStore.set(null);
        throw error;
      }
    };
    return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request('operate.refresh', rotate) : rotate();
  }

  private async establish(grant: AccessGrant): Promise<string> {
    const { session } = sessionStore.get();
    const user =
      session?.sessionId === grant.sessionId ? session.user : await this.send<SessionUser>('GET', '/auth/me', undefined, grant.accessToken);
    sessionStore.set({ accessToken: grant.accessToken, expiresAt: Date.now() + grant.expiresIn * 1000, sessionId: grant.sessionId, user });
    return grant.accessToken;
  }

  private tell(message: TabMessage): void {
    this.tabs?.postMessage(message);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.token();
    try {
      return await this.send<T>(method, path, body, token);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      return this.send<T>(method, path, body, await this.token({ forceRefresh: true }));
    }
  }

  private async send<T>(method: string, path: string, body: unknown, token: string | undefined): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        // The refresh cookie (httpOnly, SameSite=Strict, Path=/auth) rides along to the auth routes only.
        credentials: 'include',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'The API cannot be reached');
    }
    const text = await response.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = (data ?? {}) as { code?: string; message?: string | string[] };
      const message = Array.isArray(error.message) ? error.message.join('; ') : (error.message ?? response.statusText);
      throw new ApiError(response.status, error.code ?? `http_${response.status}`, message);
    }
    return data as T;
  }
}
