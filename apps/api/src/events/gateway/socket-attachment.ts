import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, ProtocolEvent, subscriptionRoom } from '@operate/shared';
import { Metrics } from '../../operations/metrics.service.js';
import { protocolEnvelope } from '../delivery/envelope.js';
import { parseCursor, ReplayService } from '../delivery/replay.service.js';
import { PresenceService } from '../presence/presence.service.js';
import { authField, type HandshakeReading } from './socket-handshake.js';
import { SocketSessions } from './socket-sessions.service.js';
import { SocketSubscriptions } from './socket-subscriptions.js';
import type { OperateSocket } from './socket-types.js';
import { TokenExpiry } from './token-expiry.js';

/**
 * Starts an authenticated socket's event stream: its token's expiry, the subscriptions it asked for, its
 * rooms joined with what it missed replayed (or a reset), then `connected` — from which on it misses no
 * event of its scopes — and its presence.
 */
@Injectable()
export class SocketAttachment {
  private readonly logger = new Logger(SocketAttachment.name);

  constructor(
    private readonly expiry: TokenExpiry,
    private readonly subscriptions: SocketSubscriptions,
    private readonly replay: ReplayService,
    private readonly sessions: SocketSessions,
    private readonly metrics: Metrics,
    private readonly presence: PresenceService,
  ) {}

  /** The socket disconnected: nothing waits on it any more. */
  detach(socket: OperateSocket): void {
    this.expiry.forget(socket);
  }

  /** `reading`: what the socket's handshake read for it (SocketHandshake.take). */
  async attach(socket: OperateSocket, reading: HandshakeReading | undefined): Promise<void> {
    const { user } = socket.data;
    this.expiry.schedule(socket);
    let attachment;
    let subscriptions;
    try {
      if (!reading) throw new Error('the socket has no handshake reading');
      subscriptions = await this.subscriptions.check(user, reading.subscriptions);
      const besides = [...reading.rooms, ...subscriptions.granted.map(subscriptionRoom)];
      attachment = await this.replay.attach(socket, user, parseCursor(authField(socket, 'cursor')), besides);
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
}
