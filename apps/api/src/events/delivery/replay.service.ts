import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { BROADCAST_AUDIENCE, ResetReason } from '@operate/shared';
import { interned } from '../../common/interned.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { AuthUser } from '../../auth/token.service.js';
import { EventFanout } from './fanout.service.js';
import { OlderEvents } from './older-events.js';
import { OutboxRepository, type BusMessage, type RelayProgress } from './outbox.repository.js';
import { SocketRoomRegistry } from '../gateway/socket-rooms.js';
import { emitEnvelope, type OperateSocket } from '../gateway/socket-types.js';

export type Attachment =
  | { readonly kind: 'live'; readonly cursor: number }
  | { readonly kind: 'resumed'; readonly cursor: number; readonly replayed: number }
  | { readonly kind: 'reset'; readonly cursor: number; readonly reason: ResetReason };

/** Parses the cursor a client resumes from: a non-negative integer (or its decimal string), else invalid. */
export function parseCursor(value: unknown): number | 'invalid' | undefined {
  if (value === undefined || value === null) return undefined;
  const cursor = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof cursor === 'number' && Number.isSafeInteger(cursor) && cursor >= 0 ? cursor : 'invalid';
}

/** Database rounds a resume may take before the client is told to refetch instead (see attach). */
const MAX_REPLAY_ROUNDS = 5;

/**
 * Puts a socket into its rooms, replaying first what it missed since `from`. The recent tail comes from the
 * fan-out's memory of delivered events (for rooms the relay leader has sent this node since then); what is older
 * is read from the stored stream — through a copy the resumes of a reconnect wave share (OlderEvents), so thousands
 * of them do not each scan the same range. The tail is read, emitted and the rooms joined in one synchronous
 * step, so every later event arrives live, after the replayed ones, and none falls between the two — and under a
 * steady stream of events the resume still ends (a replay that only read the database would have to chase it).
 */
@Injectable()
export class ReplayService implements OnModuleDestroy {
  /** What a reconnect wave needs from just before memory, read once for all of it (up to twice memory's size). */
  private readonly older: OlderEvents;
  private progressRead: Promise<RelayProgress> | undefined;

  constructor(
    private readonly store: OutboxRepository,
    private readonly fanout: EventFanout,
    private readonly roomRegistry: SocketRoomRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.older = new OlderEvents((after, upTo) => store.range(after, upTo), 2 * config.replayBufferEvents);
  }

  onModuleDestroy(): void {
    this.older.clear();
  }

  /**
   * `besides`: rooms joined and replayed with the user's own — those read with the handshake's session and those of
   * the subscriptions it holds from its handshake.
   */
  async attach(
    socket: OperateSocket,
    user: AuthUser,
    from: number | 'invalid' | undefined,
    besides: readonly string[] = [],
  ): Promise<Attachment> {
    const roomNames = Array.from(new Set([...(await this.roomRegistry.roomsFor(user)), ...besides]), interned);
    // With several nodes: once the relay leader sends this node every event of these rooms.
    await this.fanout.held.route([...roomNames, BROADCAST_AUDIENCE]);
    if (from === undefined) return this.join(socket, roomNames, { kind: 'live', cursor: this.fanout.lastCursor });
    if (from === 'invalid') return this.reset(socket, roomNames, ResetReason.Invalid);

    // A cursor this node delivered and still holds the events after is valid and replayable as it stands;
    // only an older (or unknown) one needs the stored stream's bounds.
    if (from > this.fanout.lastCursor || !this.fanout.holdsSince(from)) {
      let progress = await this.sharedProgress();
      // The shared read may have started before this cursor was assigned: ask again before calling it invalid.
      if (from > progress.assignedCursor) progress = await this.store.progress();
      if (from > progress.assignedCursor) return this.reset(socket, roomNames, ResetReason.Invalid);
      if (from < progress.prunedThrough) return this.reset(socket, roomNames, ResetReason.Pruned);
    }

    const audiences = new Set([...roomNames, BROADCAST_AUDIENCE]);
    const max = this.config.replayMaxEvents;
    let covered = from;
    let replayed = 0;
    for (let round = 0; ; round++) {
      // No await from here to the join: nothing can be delivered in between.
      const tail = this.fanout.deliveredSince(covered, audiences);
      if (tail) {
        if (replayed + tail.length > max) return this.reset(socket, roomNames, ResetReason.TooFarBehind);
        this.emitAll(socket, tail);
        const cursor = Math.max(covered, this.fanout.lastCursor);
        return this.join(socket, roomNames, { kind: 'resumed', cursor, replayed: replayed + tail.length });
      }
      if (round === MAX_REPLAY_ROUNDS) return this.reset(socket, roomNames, ResetReason.TooFarBehind);
      // Older than memory holds: read the stored stream up to where memory starts — from the copy resumes share
      // when it can hold the range, else this socket's rooms only — or, when memory lacks one of the rooms
      // (routed here since), up to what this node has delivered. Then look again.
      const floor = this.fanout.rememberedAfter;
      const upTo = covered < floor ? floor : this.fanout.lastCursor;
      const missed =
        (covered < floor ? await this.older.between(covered, upTo, audiences) : undefined) ??
        (await this.store.range(covered, upTo, { audiences: [...audiences], limit: max - replayed + 1 }));
      if (replayed + missed.length > max) return this.reset(socket, roomNames, ResetReason.TooFarBehind);
      this.emitAll(socket, missed);
      replayed += missed.length;
      covered = upTo;
    }
  }

  /** The stream's bounds; resumes that ask while a read is running share it (a reconnect wave asks thousands of times). */
  private sharedProgress(): Promise<RelayProgress> {
    this.progressRead ??= this.store.progress().finally(() => (this.progressRead = undefined));
    return this.progressRead;
  }

  private emitAll(socket: OperateSocket, messages: readonly BusMessage[]): void {
    for (const { envelope } of messages) {
      emitEnvelope(socket, envelope);
    }
  }

  private reset(socket: OperateSocket, roomNames: string[], reason: ResetReason): Attachment {
    return this.join(socket, roomNames, { kind: 'reset', cursor: this.fanout.lastCursor, reason });
  }

  private join(socket: OperateSocket, roomNames: string[], attachment: Attachment): Attachment {
    // The in-memory and Redis adapters add a socket to its rooms synchronously; one gone meanwhile would stay in them.
    if (!socket.disconnected) void socket.join(roomNames);
    return attachment;
  }
}
