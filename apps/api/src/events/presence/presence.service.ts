import { HttpStatus, Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { PresenceEvent, rooms, scope, type EventPayload, type PresenceView } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { ApiError } from '../../common/http-errors.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { RedisLink } from '../../operations/redis-link.js';
import { EventsService } from '../events.service.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import type { OperateServer } from '../gateway/socket-types.js';

const RETRY_MS = 1_000;
/** Most people one `presence.changed` names (the catalog's bound); a larger wave goes out in several. */
const MAX_CHANGES_PER_EVENT = 500;
/** Most people whose sockets one question to the cluster asks for (each node answers with theirs). */
const MAX_PEOPLE_PER_QUESTION = 500;

type Change = EventPayload<typeof PresenceEvent.Changed>['changes'][number];
/** A socket as `fetchSockets` answers it, on this node or another. */
type PresentSocket = Awaited<ReturnType<ReturnType<OperateServer['in']>['fetchSockets']>>[number];

/** `list` in order, cut into pieces of at most `size`. */
const inPieces = <T>(list: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, index) => list.slice(index * size, (index + 1) * size));

const unavailable = (why: string) =>
  new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'presence_unavailable', `Who is online cannot be asked of every node now: ${why}`);

/**
 * Who is online, per organization, across every node. The truth is the sockets themselves (asked through
 * the socket.io adapter, so Redis reaches the other nodes); a person is online while any of their sockets
 * is, however many tabs. `presence.changed` goes out through the outbox (ordered, replayed on resume) only
 * when a person's state changes: online shortly after their first socket, offline once their last one has
 * been gone for PRESENCE_OFFLINE_GRACE_MS (a reload or a node restart does not flicker).
 *
 * Checks are due on window boundaries (PRESENCE_SETTLE_MS apart): a window's people are looked up across the
 * nodes in one question, and its changes go out as one event per organization — a morning login wave of N
 * colleagues costs each of their sockets about one event per window, not N, and the cluster a question per window.
 */
@Injectable()
export class PresenceService implements OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  /** The state this node last published, or saw another node announce, per person. */
  private readonly published = new Map<string, boolean>();
  private readonly lastGone = new Map<string, number>();
  /** When each person's check is due (a window boundary), and who is due at each boundary. */
  private readonly dueAt = new Map<string, number>();
  private readonly windows = new Map<number, { readonly timer: NodeJS.Timeout; readonly people: Map<string, AuthUser> }>();

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly events: EventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisLink,
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

  /**
   * The organization's people with at least one socket on any node, with how many. While the other nodes cannot
   * be asked (Redis away, or their answers lost with it): 503 `presence_unavailable` — this node's sockets alone
   * would be a wrong answer, and waiting for the adapter's timeout a slow one.
   */
  async list(organizationId: string): Promise<PresenceView> {
    const server = this.serverRef.get();
    if (!server) return { online: [] };
    if (this.redis.configured && !this.redis.ready) throw unavailable('Redis is reconnecting');
    const sockets = await server
      .in(rooms.organization(organizationId))
      .fetchSockets()
      .catch((error: unknown) => {
        throw unavailable(error instanceof Error && error.message ? error.message : 'the other nodes did not answer');
      });
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
    for (const { timer } of this.windows.values()) clearTimeout(timer);
    this.windows.clear();
    this.dueAt.clear();
  }

  /** Checks `user` at the first window boundary at least `delayMs` from now, or sooner if already due sooner. */
  private schedule(user: AuthUser, delayMs: number): void {
    const window = this.config.presence.settleMs;
    const boundary = Math.ceil((Date.now() + delayMs) / window) * window;
    const existing = this.dueAt.get(user.userId);
    if (existing !== undefined && existing <= boundary) return;
    if (existing !== undefined) this.windows.get(existing)?.people.delete(user.userId);
    this.dueAt.set(user.userId, boundary);
    let due = this.windows.get(boundary);
    if (!due) {
      const timer = setTimeout(() => void this.checkWindow(boundary), Math.max(0, boundary - Date.now()));
      timer.unref();
      due = { timer, people: new Map() };
      this.windows.set(boundary, due);
    }
    due.people.set(user.userId, user);
  }

  private forget(userId: string): void {
    this.published.delete(userId);
    this.lastGone.delete(userId);
  }

  /** Everyone due at this boundary: their changes, one event per organization. */
  private async checkWindow(boundary: number): Promise<void> {
    const due = this.windows.get(boundary);
    this.windows.delete(boundary);
    if (!due) return;
    const people = [...due.people.values()];
    for (const user of people) this.dueAt.delete(user.userId);
    const decided = (await Promise.all(inPieces(people, MAX_PEOPLE_PER_QUESTION).map((group) => this.check(group)))).flat();
    const byOrganization = new Map<string, { user: AuthUser; change: Change }[]>();
    people.forEach((user, index) => {
      const online = decided[index];
      if (online === undefined) return;
      const list = byOrganization.get(user.organizationId) ?? [];
      list.push({ user, change: { userId: user.userId, online } });
      byOrganization.set(user.organizationId, list);
    });
    await this.announce(
      [...byOrganization].flatMap(([organizationId, changes]) =>
        inPieces(changes, MAX_CHANGES_PER_EVENT).map((piece) => ({ organizationId, changes: piece })),
      ),
    );
  }

  /**
   * Publishes a window's changes, one event per organization (per MAX_CHANGES_PER_EVENT people), all in one
   * statement: a login wave across a thousand organizations is a write per window, not per organization. On
   * failure everyone in it is checked again shortly.
   */
  private async announce(chunks: { organizationId: string; changes: { user: AuthUser; change: Change }[] }[]): Promise<void> {
    if (chunks.length === 0) return;
    try {
      await this.events.publishEach(
        PresenceEvent.Changed,
        chunks.map(({ organizationId, changes }) => ({
          target: scope.organization(organizationId),
          payload: { changes: changes.map(({ change }) => change) },
        })),
      );
      for (const { changes } of chunks)
        for (const { change } of changes) {
          // Offline is where a person starts: nothing to remember for them.
          if (change.online) this.published.set(change.userId, true);
          else this.forget(change.userId);
        }
    } catch (error) {
      this.logger.warn({
        msg: 'presence announcement failed; retrying',
        organizations: chunks.length,
        error: error instanceof Error ? error.message : String(error),
      });
      for (const { changes } of chunks) for (const { user } of changes) this.schedule(user, RETRY_MS);
    }
  }

  /**
   * Each person's state to announce now, or undefined when there is nothing to announce (from this node). Their
   * sockets on every node are asked for at once: one question to the cluster a window, not one a person.
   */
  private async check(people: readonly AuthUser[]): Promise<(boolean | undefined)[]> {
    const server = this.serverRef.get();
    if (!server) return people.map(() => undefined);
    let sockets;
    try {
      sockets = await server.in(people.map(({ userId }) => rooms.user(userId))).fetchSockets();
    } catch (error) {
      this.logger.warn({
        msg: 'presence check failed; retrying',
        people: people.length,
        error: error instanceof Error ? error.message : String(error),
      });
      for (const user of people) this.schedule(user, RETRY_MS);
      return people.map(() => undefined);
    }
    const socketsOf = new Map<string, PresentSocket[]>();
    for (const socket of sockets) {
      const userId = socket.data.user.userId;
      const list = socketsOf.get(userId);
      if (list) list.push(socket);
      else socketsOf.set(userId, [socket]);
    }
    return people.map((user) => this.decide(user, socketsOf.get(user.userId) ?? [], server));
  }

  /** What `user`'s sockets across the cluster (`sockets`) make of their state here (see `check`). */
  private decide(user: AuthUser, sockets: readonly PresentSocket[], server: OperateServer): boolean | undefined {
    const online = sockets.length > 0;
    // Back within the grace: when they went no longer matters (kept, each person would hold it for good).
    if (online) this.lastGone.delete(user.userId);
    if (online && !sockets.some((socket) => server.sockets.sockets.has(socket.id))) {
      // Online on other nodes only: they hold the person now and will tell when that changes. Forget them
      // here, or a return to this node after an offline announced elsewhere would look like no change.
      this.forget(user.userId);
      return undefined;
    }
    if (online && this.published.get(user.userId) !== true) {
      // One node announces a person: the one holding their earliest socket (every node agrees on which).
      const earliest = sockets.reduce((a, b) =>
        b.handshake.issued < a.handshake.issued || (b.handshake.issued === a.handshake.issued && b.id < a.id) ? b : a,
      );
      if (!server.sockets.sockets.has(earliest.id)) {
        this.published.set(user.userId, true);
        return undefined;
      }
    }
    if (!online) {
      // Gone, but maybe not for the whole grace yet (a sooner check was due): look again when it ends.
      const goneFor = Date.now() - (this.lastGone.get(user.userId) ?? 0);
      if (goneFor < this.config.presence.offlineGraceMs) {
        this.schedule(user, this.config.presence.offlineGraceMs - goneFor);
        return undefined;
      }
    }
    return this.published.get(user.userId) === online ? undefined : online;
  }
}
