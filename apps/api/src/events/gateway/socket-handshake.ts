import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { subscription, type ErrorCode, type Subscription } from '@operate/shared';
import type { ExtendedError } from 'socket.io';
import { z } from 'zod';
import { AuthService } from '../../auth/auth.service.js';
import type { CallerWithColumns } from '../../auth/session.service.js';
import { InvalidTokenError } from '../../auth/token.service.js';
import { describeIssues } from '../../common/zod-issues.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { HandshakeLimits } from './handshake-limits.js';
import { SocketConnections } from './socket-connections.js';
import { SocketRoomRegistry } from './socket-rooms.js';
import { holdWrites } from './socket-writes.js';
import { socketData, type OperateSocket } from './socket-types.js';

/** A connect_error whose message is the stable code; `data` repeats it with a human message. */
export function handshakeError(code: ErrorCode, message: string): ExtendedError {
  const error: ExtendedError = new Error(code);
  error.data = { code, message };
  return error;
}

/** A field of the handshake's `auth`, whatever the client sent. */
export function authField(socket: OperateSocket, name: string): unknown {
  const source: unknown = socket.handshake.auth;
  return typeof source === 'object' && source !== null && name in source ? (source as Record<string, unknown>)[name] : undefined;
}

const handshakeSubscriptions = z.array(subscription);
/** What an admitted socket's `handshake.headers` holds from then on. */
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

/** What an admitted socket's handshake read for its attachment. */
export interface HandshakeReading {
  /** Rooms read with the handshake's session (`SocketRoomRegistry.registerColumn`). */
  readonly rooms: readonly string[];
  /** What the handshake asked to subscribe to (`auth.subscriptions`), its shape checked. */
  readonly subscriptions: readonly Subscription[];
}

/**
 * The socket.io middleware every connection passes before it exists: the address's handshake rate, the
 * access token and its session with the rooms read beside it (one batched query), the user's per-node cap and the
 * shape of `auth.subscriptions`. A refusal is a connect_error whose message is its code.
 */
@Injectable()
export class SocketHandshake {
  private closing = false;
  /** Made at the first handshake, once every module has registered its room columns. */
  private authenticateWithRooms: ((token: unknown) => Promise<CallerWithColumns>) | undefined;
  /**
   * Each admitted socket's reading until its attachment takes it: kept beside the socket, not in its `data`,
   * where a field stays (emptied) for the socket's lifetime.
   */
  private readonly readings = new WeakMap<OperateSocket, HandshakeReading>();

  constructor(
    private readonly auth: AuthService,
    private readonly limits: HandshakeLimits,
    private readonly connections: SocketConnections,
    private readonly rooms: SocketRoomRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  middleware(): (socket: OperateSocket, next: (error?: ExtendedError) => void) => void {
    return (socket, next) => {
      if (this.closing) {
        next(handshakeError('shutting_down', 'This server is stopping; connect again to reach another or the restarted one'));
        return;
      }
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) =>
          next(error instanceof Error && 'data' in error ? error : handshakeError('unauthorized', 'Authentication failed')),
      );
    };
  }

  /** What the handshake read for this socket, once (undefined for a socket it did not admit). */
  take(socket: OperateSocket): HandshakeReading | undefined {
    const reading = this.readings.get(socket);
    this.readings.delete(socket);
    return reading;
  }

  /** From now on every handshake is refused with `shutting_down`. */
  close(): void {
    this.closing = true;
  }

  private async authenticate(socket: OperateSocket): Promise<void> {
    const admitted = await this.limits.admit(socket);
    if (!admitted.allowed)
      throw handshakeError('rate_limited', `Too many connections from this address; try again in ${admitted.retryAfterSeconds} s`);
    const token = authField(socket, 'token');
    if (token === undefined) throw handshakeError('unauthorized', 'Send an access token in the handshake: io(url, { auth: { token } })');
    this.authenticateWithRooms ??= this.auth.authenticatorWith(this.rooms.columns());
    let rooms;
    try {
      const { caller, columns } = await this.authenticateWithRooms(token);
      socket.data = socketData(caller);
      rooms = this.rooms.columnRooms(columns);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw handshakeError(error.code, error.message);
      throw error;
    }
    // Read once: the socket does not keep the bearer token (~0.4 KB) for its lifetime. Let go, not deleted: deleting
    // a field before the last turns the object into a dictionary (~240 B more for a resuming `{ token, cursor }`).
    (socket.handshake.auth as { token?: unknown }).token = undefined;
    // Nor the upgrade's headers (~1 KB from a browser): nothing reads them after this (the address is read from the
    // request), and every node's presence answer about the socket would carry them.
    socket.handshake.headers = NO_HEADERS;
    if (this.connections.isFull(socket.data.user.userId)) throw handshakeError('too_many_connections', this.connections.fullMessage());
    this.readings.set(socket, { rooms, subscriptions: this.requestedSubscriptions(authField(socket, 'subscriptions')) });
    this.limits.authenticated(socket);
    // Admitted: its CONNECT ack waits for `connected` (EventsGateway.handleConnection releases both together).
    holdWrites(socket.conn);
  }

  /** `auth.subscriptions`: absent, or a list of at most SOCKET_MAX_SUBSCRIPTIONS valid subscriptions. */
  private requestedSubscriptions(value: unknown): Subscription[] {
    if (value === undefined || value === null) return [];
    const parsed = handshakeSubscriptions.safeParse(value);
    if (!parsed.success)
      throw handshakeError(
        'invalid_payload',
        `auth.subscriptions is not a valid list of subscriptions: ${describeIssues(parsed.error, '(list)')}`,
      );
    const max = this.config.sockets.maxSubscriptions;
    if (parsed.data.length > max)
      throw handshakeError('too_many_subscriptions', `auth.subscriptions may hold at most ${max} subscriptions`);
    return parsed.data;
  }
}
