import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, ProtocolEvent, rooms } from '@operate/shared';
import { SessionRevocations, type RevokedSessions } from '../../auth/session-revocations.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { SessionEndReason } from '../../generated/prisma/enums.js';
import { PrismaService } from '../../prisma/prisma.service.js';
import { protocolEnvelope } from '../delivery/envelope.js';
import { SocketServerRef } from './socket-server.ref.js';
import type { InterServerEvents, OperateServer, OperateSocket } from './socket-types.js';

/** The server-to-server event that tells every node which sessions were just ended. */
export const SESSIONS_REVOKED_EVENT = 'operate:sessions-revoked' satisfies keyof InterServerEvents;

/** How far back each sweep looks for revocations: a lost message is caught while it is still this recent. */
const SWEEP_LOOKBACK_SECONDS = 120;

/**
 * Ends the live sockets of revoked sessions on every node: the node that revoked tells the others through
 * the socket.io adapter at once, and every node also sweeps the database for recent revocations, so a
 * message lost while Redis was away still ends those sockets. Ended sessions are remembered for as long as
 * an access token lives, so a handshake that raced the revocation is cut as soon as it has joined its rooms.
 */
@Injectable()
export class SocketSessions implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SocketSessions.name);
  /** Ended session id → why, and when to forget it (epoch ms). */
  private readonly ended = new Map<string, { readonly reason: SessionEndReason; readonly until: number }>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly revocations: SessionRevocations,
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.revocations.onRevoked((revoked) => {
      this.endLocally(revoked);
      const server = this.serverRef.get();
      if (this.config.redisUrl && server) server.serverSideEmit(SESSIONS_REVOKED_EVENT, revoked);
    });
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.sessions.revocationSweepMs);
    this.sweepTimer.unref();
    this.serverRef.whenReady((server) => this.attach(server));
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
    this.unsubscribe?.();
  }

  /** Once the socket server exists: listen for revocations made on other nodes. */
  private attach(server: OperateServer): void {
    if (this.config.redisUrl) server.on(SESSIONS_REVOKED_EVENT, (revoked) => this.endLocally(revoked));
  }

  /** After a socket joined its rooms: true (and the socket is cut) if its session was ended meanwhile. */
  endIfRevoked(socket: OperateSocket): boolean {
    const ended = this.ended.get(socket.data.user.sessionId);
    if (!ended || ended.until <= Date.now()) return false;
    this.cut(socket, ended.reason);
    return true;
  }

  private endLocally({ userId, sessionIds, reason }: RevokedSessions): void {
    const forgetAt = Date.now() + (this.config.jwt.accessTtlSeconds + SWEEP_LOOKBACK_SECONDS) * 1000;
    this.forgetExpired();
    for (const id of sessionIds) this.ended.set(id, { reason, until: forgetAt });
    const server = this.serverRef.get();
    const local = server?.sockets.adapter.rooms.get(rooms.user(userId));
    if (!server || !local) return;
    const ids = new Set(sessionIds);
    // Copied: each disconnect leaves the room while we walk it.
    for (const socketId of [...local]) {
      const socket = server.sockets.sockets.get(socketId);
      if (socket && ids.has(socket.data.user.sessionId)) this.cut(socket, reason);
    }
  }

  private async sweep(): Promise<void> {
    try {
      const rows = await this.prisma.rows<RevokedSessions & { id: string }>(
        `SELECT id, "userId", "revokedReason"::text AS reason FROM "Session"
         WHERE "revokedAt" > now() - make_interval(secs => $1)`,
        [SWEEP_LOOKBACK_SECONDS],
      );
      for (const row of rows)
        if (!this.ended.has(row.id)) this.endLocally({ userId: row.userId, sessionIds: [row.id], reason: row.reason });
    } catch (error) {
      this.logger.warn({ msg: 'revoked-session sweep failed', error: error instanceof Error ? error.message : String(error) });
    }
  }

  private cut(socket: OperateSocket, reason: SessionEndReason): void {
    const error =
      reason === 'deactivated'
        ? { code: ErrorCode.AccountDeactivated, message: 'This account was deactivated' }
        : { code: ErrorCode.SessionRevoked, message: 'This session was ended; sign in again' };
    socket.emit(ProtocolEvent.Error, protocolEnvelope(ProtocolEvent.Error, error));
    socket.disconnect(true);
  }

  private forgetExpired(): void {
    const now = Date.now();
    // Insertion order is expiry order: stop at the first one still remembered.
    for (const [id, { until }] of this.ended) {
      if (until > now) break;
      this.ended.delete(id);
    }
  }
}
