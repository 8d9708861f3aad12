import { type BeforeApplicationShutdown, Inject, Logger, type OnModuleInit } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import {
  ClientCommand,
  commandCatalog,
  ErrorCode,
  isClientCommand,
  subscription,
  subscriptionRoom,
  ProtocolEvent,
  type Ack,
  type AckError,
} from '@operate/shared';
import type { ExtendedError } from 'socket.io';
import { z } from 'zod';
import { AuthService } from '../auth/auth.service.js';
import { InvalidTokenError, TokenService } from '../auth/token.service.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Metrics } from '../operations/metrics.service.js';
import { protocolEnvelope } from './envelope.js';
import { EventBus } from './event-bus.js';
import { HandshakeLimits } from './handshake-limits.js';
import { PresenceService } from './presence.service.js';
import { parseCursor, ReplayService } from './replay.service.js';
import { CommandError, SocketCommandRegistry } from './socket-commands.js';
import { ConnectionCounter, MessageAllowance } from './socket-limits.js';
import { SocketServerRef } from './socket-server.ref.js';
import { SocketSessions } from './socket-sessions.service.js';
import { SocketSubscriptions } from './socket-subscriptions.js';
import type { OperateServer, OperateSocket } from './socket-types.js';

type AckFn = (response: Ack<unknown>) => void;

/** A connect_error whose message is the stable code; `data` repeats it with a human message. */
function handshakeError(code: ErrorCode, message: string): ExtendedError {
  const error: ExtendedError = new Error(code);
  error.data = { code, message };
  return error;
}

const handshakeSubscriptions = z.array(subscription);

/** `auth.subscriptions`: absent, or a list of at most `max` valid subscriptions (else a coded connect_error). */
function requestedSubscriptions(value: unknown, max: number) {
  if (value === undefined || value === null) return [];
  const parsed = handshakeSubscriptions.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(list)'}: ${issue.message}`).join('; ');
    throw handshakeError('invalid_payload', `auth.subscriptions is not a valid list of subscriptions: ${detail}`);
  }
  if (parsed.data.length > max) {
    throw handshakeError('too_many_subscriptions', `auth.subscriptions may hold at most ${max} subscriptions`);
  }
  return parsed.data;
}

function jsonSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function field(source: unknown, name: string): unknown {
  return typeof source === 'object' && source !== null && name in source ? (source as Record<string, unknown>)[name] : undefined;
}

/**
 * The socket.io edge: authenticates the handshake, replays what a resuming client missed, joins its
 * rooms, keeps its token honest (in-band refresh, disconnect at expiry) and answers commands. Every client
 * message goes through one validated dispatch (no per-command Nest handler per socket).
 */
@WebSocketGateway()
export class EventsGateway
  implements
    OnGatewayInit<OperateServer>,
    OnGatewayConnection<OperateSocket>,
    OnGatewayDisconnect<OperateSocket>,
    OnModuleInit,
    BeforeApplicationShutdown
{
  private readonly logger = new Logger(EventsGateway.name);
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly connections: ConnectionCounter;
  private closing = false;

  constructor(
    private readonly tokens: TokenService,
    private readonly auth: AuthService,
    private readonly serverRef: SocketServerRef,
    private readonly commands: SocketCommandRegistry,
    private readonly replay: ReplayService,
    private readonly bus: EventBus,
    private readonly subscriptions: SocketSubscriptions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly presence: PresenceService,
    private readonly sessions: SocketSessions,
    private readonly handshakeLimits: HandshakeLimits,
  ) {
    this.connections = new ConnectionCounter(config.sockets.perUserMax);
  }

  onModuleInit(): void {
    this.commands.register(ClientCommand.Ping, () => ({ serverTime: new Date().toISOString() }));
    this.commands.register(ClientCommand.RefreshToken, (socket, request) => this.refreshToken(socket, request.token));
  }

  afterInit(server: OperateServer): void {
    this.serverRef.set(server);
    this.bus.attach(server);
    this.sessions.attach(server);
    this.handshakeLimits.attach(server);
    server.use((socket, next) => {
      if (this.closing) {
        next(handshakeError('shutting_down', 'This server is stopping; connect again to reach another or the restarted one'));
        return;
      }
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) =>
          next(error instanceof Error && 'data' in error ? error : handshakeError('unauthorized', 'Authentication failed')),
      );
    });
  }

  async handleConnection(socket: OperateSocket): Promise<void> {
    const { user } = socket.data;
    // Checked in the handshake too; here the place is taken, so two handshakes at once cannot both pass.
    if (!this.connections.tryTake(user.userId)) {
      this.refuseConnection(socket);
      return;
    }
    socket.data.counted = true;
    this.metrics.socketsConnected.inc();
    // Listen before the first await, so no command sent right after connecting goes unanswered.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      void this.dispatch(socket, event, args);
    });
    this.scheduleExpiry(socket);
    let attachment;
    let subscriptions;
    try {
      subscriptions = await this.subscriptions.check(user, socket.data.requestedSubscriptions ?? []);
      const subscribed = subscriptions.granted.map(subscriptionRoom);
      attachment = await this.replay.attach(socket, user, parseCursor(field(socket.handshake.auth, 'cursor')), subscribed);
      this.subscriptions.hold(socket, subscriptions.granted);
    } catch (error) {
      this.logger.error({
        msg: 'could not attach socket',
        socketId: socket.id,
        error: error instanceof Error ? error.message : String(error),
      });
      socket.emit(
        ProtocolEvent.Error,
        protocolEnvelope(ProtocolEvent.Error, { code: ErrorCode.Internal, message: 'Could not start the event stream' }),
      );
      socket.disconnect(true);
      return;
    }
    // The rooms are joined: a revocation from now on finds the socket; one that raced the handshake is caught here.
    if (this.sessions.endIfRevoked(socket)) return;
    if (attachment.kind !== 'live') this.metrics.replays.inc({ outcome: attachment.kind });
    if (attachment.kind === 'resumed') {
      this.metrics.replayedEvents.inc(attachment.replayed);
      socket.emit(
        ProtocolEvent.Resumed,
        protocolEnvelope(ProtocolEvent.Resumed, { cursor: attachment.cursor, replayed: attachment.replayed }),
      );
    } else if (attachment.kind === 'reset') {
      this.metrics.resets.inc({ reason: attachment.reason });
      socket.emit(ProtocolEvent.Reset, protocolEnvelope(ProtocolEvent.Reset, { cursor: attachment.cursor, reason: attachment.reason }));
    }
    // Sent once the rooms are joined: from here on the client misses no event of its scopes.
    socket.emit(
      ProtocolEvent.Connected,
      protocolEnvelope(ProtocolEvent.Connected, {
        userId: user.userId,
        organizationId: user.organizationId,
        role: user.role,
        socketId: socket.id,
        cursor: attachment.cursor,
        expiresAt: new Date(user.expiresAt * 1000).toISOString(),
        subscriptions,
      }),
    );
    this.presence.connected(user);
  }

  handleDisconnect(socket: OperateSocket): void {
    clearTimeout(this.expiryTimers.get(socket.id));
    this.expiryTimers.delete(socket.id);
    if (socket.data.counted) {
      socket.data.counted = false;
      this.connections.release(socket.data.user.userId);
      this.metrics.socketsConnected.dec();
      this.presence.disconnected(socket.data.user, this.connections.count(socket.data.user.userId));
    }
  }

  private refuseConnection(socket: OperateSocket): void {
    socket.emit(
      ProtocolEvent.Error,
      protocolEnvelope(ProtocolEvent.Error, { code: ErrorCode.TooManyConnections, message: this.tooManyConnectionsMessage() }),
    );
    socket.disconnect(true);
  }

  private tooManyConnectionsMessage(): string {
    return `A user may hold at most ${this.config.sockets.perUserMax} connections to one server; close a tab or device`;
  }

  /** Before the server closes: tell this node's clients to reconnect (they resume elsewhere or here later). */
  beforeApplicationShutdown(): void {
    this.closing = true;
    const server = this.serverRef.get();
    server?.local.emit(ProtocolEvent.ShuttingDown, protocolEnvelope(ProtocolEvent.ShuttingDown, { reconnect: true }));
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    this.expiryTimers.clear();
  }

  private async authenticate(socket: OperateSocket): Promise<void> {
    const admitted = await this.handshakeLimits.admit(socket);
    if (!admitted.allowed)
      throw handshakeError('rate_limited', `Too many connections from this address; try again in ${admitted.retryAfterSeconds} s`);
    const token = field(socket.handshake.auth, 'token');
    if (token === undefined) throw handshakeError('unauthorized', 'Send an access token in the handshake: io(url, { auth: { token } })');
    try {
      socket.data.user = await this.auth.authenticate(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw handshakeError(error.code, error.message);
      throw error;
    }
    if (this.connections.count(socket.data.user.userId) >= this.config.sockets.perUserMax)
      throw handshakeError('too_many_connections', this.tooManyConnectionsMessage());
    socket.data.requestedSubscriptions = requestedSubscriptions(
      field(socket.handshake.auth, 'subscriptions'),
      this.config.sockets.maxSubscriptions,
    );
    this.handshakeLimits.authenticated(socket);
  }

  private async refreshToken(socket: OperateSocket, token: string) {
    let claims;
    try {
      claims = await this.tokens.verifyAccess(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new CommandError('unauthorized', error.message);
      throw error;
    }
    const current = socket.data.user;
    if (claims.userId !== current.userId || claims.organizationId !== current.organizationId) {
      throw new CommandError('forbidden', 'The new token must be for the same user and organization');
    }
    try {
      socket.data.user = await this.auth.current(claims);
    } catch (error) {
      if (error instanceof InvalidTokenError)
        throw new CommandError(error.code === 'session_revoked' ? 'session_revoked' : 'unauthorized', error.message);
      throw error;
    }
    this.scheduleExpiry(socket);
    return { expiresAt: new Date(claims.expiresAt * 1000).toISOString() };
  }

  /** Disconnects the socket when its access token expires, unless `auth.refresh` moves the time first. */
  private scheduleExpiry(socket: OperateSocket): void {
    clearTimeout(this.expiryTimers.get(socket.id));
    const delay = Math.max(0, socket.data.user.expiresAt * 1000 - Date.now());
    const timer = setTimeout(() => {
      this.expiryTimers.delete(socket.id);
      socket.emit(
        ProtocolEvent.Error,
        protocolEnvelope(ProtocolEvent.Error, {
          code: ErrorCode.TokenExpired,
          message: 'The access token expired; reconnect with a fresh one',
        }),
      );
      socket.disconnect(true);
    }, delay);
    timer.unref();
    this.expiryTimers.set(socket.id, timer);
  }

  private async dispatch(socket: OperateSocket, event: unknown, args: unknown[]): Promise<void> {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as AckFn) : undefined;
    const params = ack ? args.slice(0, -1) : args;
    const fail = (error: AckError) => {
      if (ack) ack({ ok: false, error });
      else socket.emit(ProtocolEvent.Error, protocolEnvelope(ProtocolEvent.Error, error));
    };

    const now = Date.now();
    socket.data.allowance ??= new MessageAllowance(this.config.sockets, now);
    const verdict = socket.data.allowance.take(now);
    if (verdict === 'disconnect') {
      this.logger.warn({ msg: 'socket disconnected for flooding', socketId: socket.id, userId: socket.data.user.userId });
      socket.emit(
        ProtocolEvent.Error,
        protocolEnvelope(ProtocolEvent.Error, { code: ErrorCode.RateLimited, message: 'Too many messages; disconnected' }),
      );
      socket.disconnect(true);
      return;
    }
    if (verdict === 'refuse') {
      const { messagesPerSecond, messageBurst } = this.config.sockets;
      fail({ code: ErrorCode.RateLimited, message: `At most ${messagesPerSecond} messages a second (bursts of ${messageBurst})` });
      return;
    }
    if (!isClientCommand(event)) {
      fail({ code: ErrorCode.UnknownCommand, message: `Unknown command: ${String(event).slice(0, 64)}` });
      return;
    }
    if (!ack) {
      fail({ code: ErrorCode.AckRequired, message: `${event} must be sent with an acknowledgement callback` });
      return;
    }
    if (params.length > 1) {
      fail({ code: ErrorCode.InvalidPayload, message: `${event} takes one argument, got ${params.length}` });
      return;
    }
    const maxBytes = this.config.sockets.maxMessageBytes;
    if (jsonSize(params[0] ?? null) > maxBytes) {
      fail({ code: ErrorCode.PayloadTooLarge, message: `Messages are limited to ${maxBytes} bytes` });
      return;
    }
    const parsed = commandCatalog[event].request.safeParse(params[0]);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
      fail({ code: ErrorCode.InvalidPayload, message: detail });
      return;
    }
    const handler = this.commands.get(event);
    if (!handler) {
      fail({ code: ErrorCode.UnknownCommand, message: `No handler for ${event}` });
      return;
    }
    try {
      ack({ ok: true, data: await handler(socket, parsed.data) });
    } catch (error) {
      if (error instanceof CommandError) {
        fail({ code: error.code, message: error.message });
        return;
      }
      this.logger.error({
        msg: 'command failed',
        command: event,
        socketId: socket.id,
        error: error instanceof Error ? error.stack : String(error),
      });
      fail({ code: ErrorCode.Internal, message: 'The command failed on the server' });
    }
  }
}
