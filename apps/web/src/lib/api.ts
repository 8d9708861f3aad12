'use client';

import { sessionStore, type Session, type SessionUser } from './session';

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

interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

/** Refresh this long before the access token expires, so a request never races its expiry. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * Talks to the Operate API with the session's bearer token; refreshes the token when it is about to expire
 * or a request comes back 401, once at a time for every caller. A failed refresh ends the session.
 */
export class ApiClient {
  private refreshing: Promise<string> | undefined;

  constructor(readonly baseUrl: string) {}

  async login(email: string, password: string): Promise<Session> {
    const pair = await this.send<TokenPair>('POST', '/auth/login', { email, password }, undefined);
    const user = await this.send<SessionUser>('GET', '/auth/me', undefined, pair.accessToken);
    const session = toSession(pair, user);
    sessionStore.set(session);
    return session;
  }

  logout(): void {
    sessionStore.set(null);
  }

  /** A valid access token: the current one, or a refreshed one (`forceRefresh`, or when it is about to expire). */
  async token(options: { forceRefresh: boolean } = { forceRefresh: false }): Promise<string> {
    const session = sessionStore.get();
    if (!session) throw new ApiError(401, 'unauthorized', 'Not signed in');
    if (!options.forceRefresh && session.expiresAt - Date.now() > EXPIRY_MARGIN_MS) return session.accessToken;
    this.refreshing ??= this.refresh(session).finally(() => (this.refreshing = undefined));
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

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.token();
    try {
      return await this.send<T>(method, path, body, token);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      return this.send<T>(method, path, body, await this.token({ forceRefresh: true }));
    }
  }

  private async refresh(session: Session): Promise<string> {
    try {
      const pair = await this.send<TokenPair>('POST', '/auth/refresh', { refreshToken: session.refreshToken }, undefined);
      sessionStore.set(toSession(pair, session.user));
      return pair.accessToken;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) sessionStore.set(null);
      throw error;
    }
  }

  private async send<T>(method: string, path: string, body: unknown, token: string | undefined): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
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

function toSession(pair: TokenPair, user: SessionUser): Session {
  return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: Date.now() + pair.expiresIn * 1000, user };
}
