import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { PresenceEvent, rooms, type PresenceView } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { EventsService } from '../events.service.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';

const RETRY_MS = 1_000;

interface Check {
  readonly timer: NodeJS.Timeout;
  readonly dueAt: number;
}

/**
 * Who is online, per organization, across every node. The truth is the sockets themselves (asked through
 * the socket.io adapter, so Redis reaches the other nodes); a person is online while any of their sockets
 * is, however many tabs. `presence.changed` goes out through the outbox (ordered, replayed on resume) only
 * when a person's state changes: online shortly after their first socket, offline once their last one has
 * been gone for PRESENCE_OFFLINE_GRACE_MS (a reload or a node restart does not flicker).
 */
@Injectable()
export class PresenceService implements OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  /** The state this node last published, or saw another node announce, per person. */
  private readonly published = new Map<string, boolean>();
  private readonly lastGone = new Map<string, number>();
  private readonly checks = new Map<string, Check>();

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly events: EventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A socket of `user` joined on this node. */
  connected(user: AuthUser): void {
    // Already online (a second tab, a reconnect within the grace): another socket changes nothing.
    if (this.published.get(user.userId) === true) return;
    this.schedule(user, this.config.presence.settleMs);
  }

  /** A socket of `user` left this node; `local` counts the user's sockets still here. */
  disconnected(user: AuthUser, local: number): void {
    if (local > 0) return;
    this.lastGone.set(user.userId, Date.now());
    this.schedule(user, this.config.presence.offlineGraceMs);
  }

  /** The organization's people with at least one socket on any node, with how many. */
  async list(organizationId: string): Promise<PresenceView> {
    const server = this.serverRef.get();
    if (!server) return { online: [] };
    const sockets = await server.in(rooms.organization(organizationId)).fetchSockets();
    const counts = new Map<string, number>();
    for (const socket of sockets) {
      const userId = socket.data.user.userId;
      counts.set(userId, (counts.get(userId) ?? 0) + 1);
    }
    return {
      online: [...counts].map(([userId, connections]) => ({ userId, connections })).sort((a, b) => a.userId.localeCompare(b.userId)),
    };
  }

  onModuleDestroy(): void {
    for (const { timer } of this.checks.values()) clearTimeout(timer);
    this.checks.clear();
  }

  /** Checks `user` after `delayMs`, or sooner if a check is already due sooner. */
  private schedule(user: AuthUser, delayMs: number): void {
    const dueAt = Date.now() + delayMs;
    const existing = this.checks.get(user.userId);
    if (existing && existing.dueAt <= dueAt) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.checks.delete(user.userId);
      void this.check(user);
    }, delayMs);
    timer.unref();
    this.checks.set(user.userId, { timer, dueAt });
  }

  private forget(userId: string): void {
    this.published.delete(userId);
    this.lastGone.delete(userId);
  }

  private async check(user: AuthUser): Promise<void> {
    const server = this.serverRef.get();
    if (!server) return;
    try {
      const sockets = await server.in(rooms.user(user.userId)).fetchSockets();
      const online = sockets.length > 0;
      if (online && !sockets.some((socket) => server.sockets.sockets.has(socket.id))) {
        // Online on other nodes only: they hold the person now and will tell when that changes. Forget them
        // here, or a return to this node after an offline announced elsewhere would look like no change.
        this.forget(user.userId);
        return;
      }
      if (online && this.published.get(user.userId) !== true) {
        // One node announces a person: the one holding their earliest socket (every node agrees on which).
        const earliest = sockets.reduce((a, b) =>
          b.handshake.issued < a.handshake.issued || (b.handshake.issued === a.handshake.issued && b.id < a.id) ? b : a,
        );
        if (!server.sockets.sockets.has(earliest.id)) {
          this.published.set(user.userId, true);
          return;
        }
      }
      if (!online) {
        // Gone, but maybe not for the whole grace yet (a sooner check was due): look again when it ends.
        const goneFor = Date.now() - (this.lastGone.get(user.userId) ?? 0);
        if (goneFor < this.config.presence.offlineGraceMs) {
          this.schedule(user, this.config.presence.offlineGraceMs - goneFor);
          return;
        }
      }
      if (this.published.get(user.userId) === online) return;
      await this.events.toOrganization(user.organizationId).emit(PresenceEvent.Changed, { userId: user.userId, online });
      // Offline is where a person starts: nothing to remember for them.
      if (online) this.published.set(user.userId, true);
      else this.forget(user.userId);
    } catch (error) {
      this.logger.warn({
        msg: 'presence check failed; retrying',
        userId: user.userId,
        error: error instanceof Error ? error.message : String(error),
      });
      this.schedule(user, RETRY_MS);
    }
  }
}
