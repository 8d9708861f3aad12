import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, ProtocolEvent } from '@operate/shared';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { protocolEnvelope } from '../delivery/envelope.js';
import { PresenceService } from '../presence/presence.service.js';
import { ConnectionCounter } from './socket-limits.js';
import type { OperateSocket } from './socket-types.js';

/** The sockets each user holds on this node: the per-user cap, the connected gauge, and who goes offline. */
@Injectable()
export class SocketConnections {
  private readonly counter: ConnectionCounter;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly presence: PresenceService,
  ) {
    this.counter = new ConnectionCounter(config.sockets.perUserMax);
  }

  /** Whether the user already holds every place (checked at the handshake, before any work for it). */
  isFull(userId: string): boolean {
    return this.counter.count(userId) >= this.config.sockets.perUserMax;
  }

  /** Takes one of the user's places for the socket; false (and the socket told and let go) when none is left. */
  take(socket: OperateSocket): boolean {
    if (!this.counter.tryTake(socket.data.user.userId)) {
      socket.emit(
        ProtocolEvent.Error,
        protocolEnvelope(ProtocolEvent.Error, { code: ErrorCode.TooManyConnections, message: this.fullMessage() }),
      );
      socket.disconnect(true);
      return false;
    }
    socket.data.counted = true;
    this.metrics.socketsConnected.inc();
    return true;
  }

  /** Gives the socket's place back (once) and tells presence how many the user still holds. */
  release(socket: OperateSocket): void {
    if (!socket.data.counted) return;
    socket.data.counted = false;
    const { user } = socket.data;
    this.counter.release(user.userId);
    this.metrics.socketsConnected.dec();
    this.presence.disconnected(user, this.counter.count(user.userId));
  }

  fullMessage(): string {
    return `A user may hold at most ${this.config.sockets.perUserMax} connections to one server; close a tab or device`;
  }
}
