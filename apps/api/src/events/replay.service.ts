import { Inject, Injectable } from '@nestjs/common';
import { BROADCAST_AUDIENCE, ResetReason, type EventName } from '@operate/shared';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { AuthUser } from '../auth/token.service.js';
import { EventFanout } from './fanout.service.js';
import { EventStore } from './outbox.js';
import { SocketRoomRegistry } from './socket-rooms.js';
import type { OperateSocket } from './socket-types.js';

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

/**
 * Puts a socket into its rooms, replaying first what it missed since `from`. Replay reads the stored
 * stream up to what this node has already delivered (its fan-out cursor) and repeats until that cursor
 * stops moving; the rooms are then joined in the same synchronous step, so every later event arrives
 * live, after the replayed ones, and none falls between the two.
 */
@Injectable()
export class ReplayService {
  constructor(
    private readonly store: EventStore,
    private readonly fanout: EventFanout,
    private readonly roomRegistry: SocketRoomRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `subscribed`: rooms of subscriptions the socket holds from its handshake, joined and replayed like its own. */
  async attach(
    socket: OperateSocket,
    user: AuthUser,
    from: number | 'invalid' | undefined,
    subscribed: readonly string[] = [],
  ): Promise<Attachment> {
    const roomNames = [...new Set([...(await this.roomRegistry.roomsFor(user)), ...subscribed])];
    if (from === undefined) return this.join(socket, roomNames, { kind: 'live', cursor: this.fanout.lastCursor });
    if (from === 'invalid') return this.reset(socket, roomNames, ResetReason.Invalid);

    const progress = await this.store.progress();
    if (from > progress.assignedCursor) return this.reset(socket, roomNames, ResetReason.Invalid);
    if (from < progress.prunedThrough) return this.reset(socket, roomNames, ResetReason.Pruned);

    const audiences = [...roomNames, BROADCAST_AUDIENCE];
    const max = this.config.replayMaxEvents;
    let covered = from;
    let replayed = 0;
    for (;;) {
      const upTo = this.fanout.lastCursor;
      if (upTo > covered) {
        const missed = await this.store.range(covered, upTo, { audiences, limit: max - replayed + 1 });
        if (replayed + missed.length > max) return this.reset(socket, roomNames, ResetReason.TooFarBehind);
        for (const { envelope } of missed) {
          (socket.emit as (event: EventName, payload: unknown) => boolean).call(socket, envelope.type, envelope);
        }
        replayed += missed.length;
        covered = upTo;
      }
      // No await between this check and the join: nothing can be delivered in between.
      if (this.fanout.lastCursor <= covered) return this.join(socket, roomNames, { kind: 'resumed', cursor: covered, replayed });
    }
  }

  private reset(socket: OperateSocket, roomNames: string[], reason: ResetReason): Attachment {
    return this.join(socket, roomNames, { kind: 'reset', cursor: this.fanout.lastCursor, reason });
  }

  private join(socket: OperateSocket, roomNames: string[], attachment: Attachment): Attachment {
    // The in-memory and Redis adapters add a socket to its rooms synchronously.
    void socket.join(roomNames);
    return attachment;
  }
}
