import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { isEventName, ProtocolEvent, type EventEnvelope, type EventName, type EventPayload } from '../catalog.js';
import type { ResetReason, Subscription } from '../payloads.js';
import {
  ClientCommand,
  commandCatalog,
  ErrorCode,
  type Ack,
  type ClientCommandName,
  type CommandRequest,
  type CommandResponse,
  type HandshakeAuth,
} from '../protocol.js';
import { Emitter, type ListenerErrorReporter } from './emitter.js';
import { subscriptionRoom as subscriptionKey } from '../scopes.js';

/**
 * What the page should say about its connection. `catching-up`: connected, missed events still arriving;
 * `live`: every event of the user's scopes arrives as it happens, and the heartbeat proves the socket is alive.
 */
export type RealtimeStatus = 'connecting' | 'live' | 'catching-up' | 'offline';

/** Codes the client itself reports, beside the server's `ErrorCode`s. */
export const ClientErrorCode = {
  /** A command that is not idempotent was sent while offline. */
  Offline: 'offline',
  /** The offline queue is full; the command was not queued. */
  QueueFull: 'queue_full',
  /** No answer in time (or the socket dropped before the answer). */
  Timeout: 'timeout',
  /** The token provider failed or the server refused even a fresh token: sign in again. */
  AuthFailed: 'auth_failed',
  /** The server refused a subscription (not a party, unknown id, too many). */
  SubscriptionRefused: 'subscription_refused',
  /** The client was stopped. */
  Stopped: 'stopped',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export class RealtimeError extends Error {
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RealtimeError';
  }
}

/** Why the app must refetch its state: a first connection (no cursor yet) or the server's `reset` reason. */
export type ResyncReason = 'fresh' | ResetReason;

/** Where the last cursor is kept between reconnects and page loads (per tab: sessionStorage). */
export interface CursorStore {
  load(): number | undefined;
  save(cursor: number): void;
}

export function memoryCursorStore(initial?: number): CursorStore {
  let cursor = initial;
  return { load: () => cursor, save: (value) => void (cursor = value) };
}

/** A cursor kept in a Web Storage (`sessionStorage` keeps it per tab, across reloads). */
/** The part of the Web Storage API a cursor store needs (`sessionStorage`, `localStorage`). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function storageCursorStore(storage: KeyValueStorage, key: string): CursorStore {
  return {
    load() {
      const raw = storage.getItem(key);
      const value = raw === null ? Number.NaN : Number(raw);
      return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    },
    save: (cursor) => storage.setItem(key, String(cursor)),
  };
}

/** The part of socket.io-client's `Socket` the client uses (a fake implements it in tests). */
export interface RealtimeSocket {
  readonly connected: boolean;
  /** False after the server refused the handshake or disconnected us: socket.io will not reconnect by itself. */
  readonly active: boolean;
  /** socket.io-client's own buffer of packets emitted while disconnected (sent on reconnect). */
  readonly sendBuffer: readonly unknown[];
  on(event: string, listener: (...args: never[]) => void): unknown;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
  timeout(ms: number): { emit(event: string, request: unknown, ack: (error: Error | null, response?: unknown) => void): unknown };
}

export type HandshakeAuthCallback = (auth: HandshakeAuth | Record<string, never>) => void;
export type SocketFactory = (
  url: string,
  options: Partial<ManagerOptions & SocketOptions> & { auth: (callback: HandshakeAuthCallback) => void },
) => RealtimeSocket;

export interface RealtimeClientOptions {
  /** The API's origin, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /**
   * Gives an access token: the current one, or with `forceRefresh` a new one (the app calls `/auth/refresh`).
   * Rejecting means the session is over: the client stops and reports `auth_failed`.
   */
  readonly getToken: (options: { forceRefresh: boolean }) => Promise<string>;
  readonly cursorStore?: CursorStore;
  /** Application heartbeat: a `ping` every `intervalMs`; no answer within `timeoutMs` means a dead socket. */
  readonly heartbeat?: { readonly intervalMs: number; readonly timeoutMs: number };
  /** Refresh the token in-band this long before it expires. */
  readonly refreshMarginMs?: number;
  readonly commandTimeoutMs?: number;
  /** How long a queued (offline) command may wait for the connection. */
  readonly offlineCommandTimeoutMs?: number;
  /** At most this many idempotent commands wait for the connection; more are refused with `queue_full`. */
  readonly offlineQueueLimit?: number;
  /** How many recent event ids are remembered to drop duplicates. */
  readonly dedupeWindow?: number;
  /** socket.io options (reconnection backoff and jitter are socket.io's own). */
  readonly socketOptions?: Partial<ManagerOptions & SocketOptions>;
  readonly createSocket?: SocketFactory;
  /** Where an error thrown by an event handler goes (the other handlers run regardless); default: thrown again on its own. */
  readonly onHandlerError?: ListenerErrorReporter;
}

type AnyEnvelope = EventEnvelope;
type Handler = (payload: unknown, envelope: AnyEnvelope) => void;

const defaultSocketFactory: SocketFactory = (url, options) => io(url, options);

/**
 * Operate's realtime client: one socket.io connection per signed-in tab, with typed event subscriptions,
 * resume from the last cursor, duplicate dropping, held entity subscriptions, in-band token refresh, an
 * application heartbeat and a bounded offline queue for idempotent commands. Framework-agnostic.
 */
export class RealtimeClient {
  private readonly socket: RealtimeSocket;
  private readonly cursorStore: CursorStore;
  private readonly handlers = new Map<EventName, Emitter<AnyEnvelope>>();
  private readonly anyHandlers: Emitter<AnyEnvelope>;
  private readonly statusEmitter = new Emitter<RealtimeStatus>();
  private readonly resyncEmitter = new Emitter<ResyncReason>();
  private readonly problemEmitter = new Emitter<RealtimeError>();
  private readonly held = new Map<string, { readonly subscription: Subscription; count: number }>();
  private readonly seenIds = new Set<string>();
  private readonly seenOrder: string[] = [];
  private readonly options: Required<Omit<RealtimeClientOptions, 'cursorStore' | 'createSocket' | 'socketOptions' | 'onHandlerError'>>;
  private readonly reportHandlerError: ListenerErrorReporter | undefined;
  private currentStatus: RealtimeStatus = 'connecting';
  private cursor: number | undefined;
  /** Whether this connection's handshake carried a cursor (else the app refetches once connected). */
  private resuming = false;
  private forceRefresh = false;
  private authFailures = 0;
  private stopped = true;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: RealtimeClientOptions) {
    this.options = {
      url: options.url,
      getToken: options.getToken,
      heartbeat: options.heartbeat ?? { intervalMs: 15_000, timeoutMs: 5_000 },
      refreshMarginMs: options.refreshMarginMs ?? 60_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
      offlineCommandTimeoutMs: options.offlineCommandTimeoutMs ?? 60_000,
      offlineQueueLimit: options.offlineQueueLimit ?? 20,
      dedupeWindow: options.dedupeWindow ?? 2_000,
    };
    this.reportHandlerError = options.onHandlerError;
    this.anyHandlers = new Emitter(options.onHandlerError);
    this.cursorStore = options.cursorStore ?? memoryCursorStore();
    this.cursor = this.cursorStore.load();
    const createSocket = options.createSocket ?? defaultSocketFactory;
    this.socket = createSocket(options.url, {
      autoConnect: false,
      // WebSocket first (no sticky sessions needed behind a load balancer); long-polling only where WebSockets
      // are blocked, which needs stickiness (docs/operations.md).
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 10_000,
      randomizationFactor: 0.5,
      ...options.socketOptions,
      auth: (callback: HandshakeAuthCallback) => void this.handshakeAuth(callback),
    });
    this.socket.on('connect', () => this.onSocketConnect());
    this.socket.on('disconnect', (reason: string) => this.onSocketDisconnect(reason));
    this.socket.on('connect_error', (error: Error & { data?: unknown }) => this.onConnectError(error));
    this.socket.onAny((event, ...args) => this.receive(event, args[0]));
  }

  get status(): RealtimeStatus {
    return this.currentStatus;
  }

  /** The last cursor seen (what the next handshake resumes from). */
  get lastCursor(): number | undefined {
    return this.cursor;
  }

  /** The subscriptions held now (sent in every handshake). */
  get subscriptions(): Subscription[] {
    return [...this.held.values()].map((entry) => entry.subscription);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setStatus('connecting');
    this.socket.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.socket.disconnect();
    this.setStatus('offline');
  }

  /** Calls `handler` with each event of this name (payload typed by the event); returns the unsubscribe. */
  subscribe<E extends EventName>(event: E, handler: (payload: EventPayload<E>, envelope: EventEnvelope<E>) => void): () => void {
    let emitter = this.handlers.get(event);
    if (!emitter) this.handlers.set(event, (emitter = new Emitter(this.reportHandlerError)));
    const typed = handler as unknown as Handler;
    return emitter.on((envelope) => typed(envelope.payload, envelope));
  }

  /** Every event, after duplicate dropping (for cache invalidation, toasts, logs). */
  onEvent(handler: (envelope: AnyEnvelope) => void): () => void {
    return this.anyHandlers.on(handler);
  }

  onStatus(listener: (status: RealtimeStatus) => void): () => void {
    return this.statusEmitter.on(listener);
  }

  /** The app must refetch what it shows: events may have been missed (or it never had a cursor). */
  onResync(listener: (reason: ResyncReason) => void): () => void {
    return this.resyncEmitter.on(listener);
  }

  /** Problems the app may show: queue overflow, refused subscriptions, auth failure, server errors. */
  onProblem(listener: (problem: RealtimeError) => void): () => void {
    return this.problemEmitter.on(listener);
  }

  /**
   * Holds a subscription (an escrow's room, the marketplace) until the returned release is called; held
   * subscriptions travel in every handshake, so they are re-joined (and replayed) after each reconnect.
   * Several holders of the same subscription share it. `onGranted` runs after the server granted it on the
   * live socket (refetch the entity then: its events arrive from there on).
   */
  hold(subscription: Subscription, onGranted?: () => void): () => void {
    const key = subscriptionKey(subscription);
    const existing = this.held.get(key);
    if (existing) existing.count += 1;
    else {
      this.held.set(key, { subscription, count: 1 });
      if (this.socket.connected) this.sendSubscribe(key, subscription, onGranted);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = this.held.get(key);
      if (!entry) return;
      entry.count -= 1;
      if (entry.count > 0) return;
      this.held.delete(key);
      if (this.socket.connected) this.sendUnsubscribe(subscription);
    };
  }

  /**
   * Sends a command and resolves with its answer (rejects with a coded `RealtimeError`). While offline, an
   * idempotent command waits in socket.io's send buffer (at most `offlineQueueLimit`); others fail at once.
   */
  command<C extends ClientCommandName>(name: C, request: CommandRequest<C>): Promise<CommandResponse<C>> {
    if (this.stopped) return Promise.reject(new RealtimeError(ClientErrorCode.Stopped, 'The realtime client is stopped'));
    let timeoutMs = this.options.commandTimeoutMs;
    if (!this.socket.connected) {
      if (!commandCatalog[name].idempotent) {
        return Promise.reject(new RealtimeError(ClientErrorCode.Offline, `${name} cannot be sent while offline`));
      }
      if (this.socket.sendBuffer.length >= this.options.offlineQueueLimit) {
        const error = new RealtimeError(
          ClientErrorCode.QueueFull,
          `${name} was not queued: ${this.options.offlineQueueLimit} commands already wait for the connection`,
        );
        this.problemEmitter.emit(error);
        return Promise.reject(error);
      }
      timeoutMs = this.options.offlineCommandTimeoutMs;
    }
    return new Promise((resolve, reject) => {
      this.socket.timeout(timeoutMs).emit(name, request ?? null, (error, response) => {
        if (error) reject(new RealtimeError(ClientErrorCode.Timeout, `${name}: no answer (${error.message})`));
        else {
          const ack = response as Ack<CommandResponse<C>>;
          if (ack.ok) resolve(ack.data);
          else reject(new RealtimeError(ack.error.code, ack.error.message));
        }
      });
    });
  }

  private async handshakeAuth(callback: HandshakeAuthCallback): Promise<void> {
    let token: string;
    try {
      token = await this.options.getToken({ forceRefresh: this.forceRefresh });
    } catch (error) {
      this.authFailed(error);
      callback({});
      return;
    }
    this.forceRefresh = false;
    this.resuming = this.cursor !== undefined;
    const subscriptions = this.subscriptions;
    callback({
      token,
      ...(this.cursor === undefined ? {} : { cursor: this.cursor }),
      ...(subscriptions.length > 0 ? { subscriptions } : {}),
    });
  }

  private onSocketConnect(): void {
    this.setStatus('catching-up');
    this.startHeartbeat();
  }

  private onSocketDisconnect(reason: string): void {
    this.clearTimers();
    if (this.stopped) return;
    this.setStatus('offline');
    // The server ended the socket (token expiry, shutdown hiccup): socket.io leaves reconnecting to us.
    if (reason === 'io server disconnect') this.retrySoon();
  }

  private onConnectError(error: Error & { data?: unknown }): void {
    if (this.stopped) return;
    this.setStatus('offline');
    // Still active: a transport failure; socket.io retries with backoff. Inactive: the server refused us.
    if (this.socket.active) return;
    const code = error.message;
    if (isSessionEnded(code)) {
      this.authFailed(error);
      return;
    }
    if (code === ErrorCode.Unauthorized || code === ErrorCode.TokenExpired) {
      this.authFailures += 1;
      if (this.authFailures > 2 || this.stopped) {
        this.authFailed(error);
        return;
      }
      this.forceRefresh = true;
      this.retrySoon();
      return;
    }
    if (code === ErrorCode.ShuttingDown) {
      this.retrySoon();
      return;
    }
    // A known refusal (too many tabs open, a bad subscription list) keeps its code; it may clear, so retry.
    const known = (Object.values(ErrorCode) as string[]).includes(code) ? (code as ErrorCode) : ErrorCode.Internal;
    this.problemEmitter.emit(new RealtimeError(known, `The server refused the connection: ${code}`));
    this.retrySoon();
  }

  private receive(name: string, value: unknown): void {
    if (!isEventName(name) || !isEnvelope(value)) return;
    const envelope = value as AnyEnvelope;
    if (this.seen(envelope.id)) return;
    if (typeof envelope.cursor === 'number') this.advance(envelope.cursor);
    switch (envelope.type) {
      case ProtocolEvent.Connected:
        this.onConnected(envelope as EventEnvelope<typeof ProtocolEvent.Connected>);
        break;
      case ProtocolEvent.Reset: {
        const { cursor, reason } = (envelope as EventEnvelope<typeof ProtocolEvent.Reset>).payload;
        this.setCursor(cursor);
        this.resyncEmitter.emit(reason);
        break;
      }
      case ProtocolEvent.Resumed:
        this.advance((envelope as EventEnvelope<typeof ProtocolEvent.Resumed>).payload.cursor);
        break;
      case ProtocolEvent.Error: {
        const { code, message } = (envelope as EventEnvelope<typeof ProtocolEvent.Error>).payload;
        // The server disconnects next; the reconnect asks the provider for a fresh token.
        if (code === ErrorCode.TokenExpired) this.forceRefresh = true;
        this.problemEmitter.emit(new RealtimeError(code as ErrorCode, message));
        // No token of this session will be accepted again: stop, and let the app sign in anew.
        if (isSessionEnded(code)) this.authFailed(new Error(message));
        break;
      }
      default:
        break;
    }
    // A handler that throws stops neither the others nor, through onEvent, cache invalidation and toasts.
    this.handlers.get(envelope.type)?.emit(envelope);
    this.anyHandlers.emit(envelope);
  }

  private onConnected(envelope: EventEnvelope<typeof ProtocolEvent.Connected>): void {
    const { cursor, expiresAt, subscriptions } = envelope.payload;
    this.authFailures = 0;
    this.setCursor(cursor);
    for (const refusal of subscriptions.refused) {
      this.held.delete(subscriptionKey(refusal.subscription));
      this.problemEmitter.emit(new RealtimeError(ClientErrorCode.SubscriptionRefused, refusal.message));
    }
    this.scheduleRefresh(expiresAt);
    this.setStatus('live');
    if (!this.resuming) this.resyncEmitter.emit('fresh');
  }

  private sendSubscribe(key: string, subscription: Subscription, onGranted?: () => void): void {
    this.command(ClientCommand.Subscribe, subscription).then(
      () => onGranted?.(),
      (error: unknown) => {
        if (error instanceof RealtimeError && error.code === ClientErrorCode.Timeout) return; // the next handshake carries it
        this.held.delete(key);
        this.problemEmitter.emit(
          new RealtimeError(ClientErrorCode.SubscriptionRefused, error instanceof Error ? error.message : String(error)),
        );
      },
    );
  }

  private sendUnsubscribe(subscription: Subscription): void {
    this.command(ClientCommand.Unsubscribe, subscription).catch((error: unknown) => this.report(error));
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    const { intervalMs, timeoutMs } = this.options.heartbeat;
    this.heartbeatTimer = setInterval(() => {
      if (!this.socket.connected) return;
      this.socket.timeout(timeoutMs).emit(ClientCommand.Ping, null, (error) => {
        if (!error || this.stopped || !this.socket.connected) return;
        // A half-open socket: nothing comes back. Say so, and start over with a new connection.
        this.setStatus('offline');
        this.socket.disconnect();
        this.socket.connect();
      });
    }, intervalMs);
  }

  private scheduleRefresh(expiresAt: string): void {
    clearTimeout(this.refreshTimer);
    const remaining = Date.parse(expiresAt) - Date.now();
    if (!Number.isFinite(remaining)) return;
    // Short-lived tokens (tests, strict setups) refresh at half their remaining life.
    const delay = Math.max(0, remaining > 2 * this.options.refreshMarginMs ? remaining - this.options.refreshMarginMs : remaining / 2);
    this.refreshTimer = setTimeout(() => void this.refreshInBand(), delay);
  }

  private async refreshInBand(): Promise<void> {
    try {
      const token = await this.options.getToken({ forceRefresh: true });
      const { expiresAt } = await this.command(ClientCommand.RefreshToken, { token });
      this.scheduleRefresh(expiresAt);
    } catch (error) {
      // The server will end the socket at expiry; the reconnect then asks for a fresh token.
      this.forceRefresh = true;
      if (!(error instanceof RealtimeError)) this.authFailed(error);
      else this.problemEmitter.emit(error);
    }
  }

  private retrySoon(): void {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    // Jittered, so a fleet of clients refused together does not return together.
    const delay = 250 + Math.random() * 750 * Math.max(1, this.authFailures);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped && !this.socket.active) this.socket.connect();
    }, delay);
  }

  private authFailed(error: unknown): void {
    this.stopped = true;
    this.clearTimers();
    this.setStatus('offline');
    const detail = error instanceof Error ? error.message : String(error);
    this.problemEmitter.emit(new RealtimeError(ClientErrorCode.AuthFailed, `Sign in again (${detail})`));
  }

  private seen(id: string): boolean {
    if (this.seenIds.has(id)) return true;
    this.seenIds.add(id);
    this.seenOrder.push(id);
    if (this.seenOrder.length > this.options.dedupeWindow) this.seenIds.delete(this.seenOrder.shift() as string);
    return false;
  }

  private advance(cursor: number): void {
    if (this.cursor === undefined || cursor > this.cursor) this.setCursor(cursor);
  }

  private setCursor(cursor: number): void {
    this.cursor = cursor;
    this.cursorStore.save(cursor);
  }

  private setStatus(status: RealtimeStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.statusEmitter.emit(status);
  }

  private report(error: unknown): void {
    this.problemEmitter.emit(error instanceof RealtimeError ? error : new RealtimeError(ErrorCode.Internal, String(error)));
  }

  private clearTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.retryTimer);
    this.heartbeatTimer = this.refreshTimer = this.retryTimer = undefined;
  }
}

/** Codes after which no token of the session will be accepted: retrying is pointless, the person signs in anew. */
function isSessionEnded(code: string): boolean {
  return code === ErrorCode.SessionRevoked || code === ErrorCode.AccountDeactivated;
}

function isEnvelope(value: unknown): value is { id: string; type: string; cursor: number | null; payload: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && 'payload' in value;
}
