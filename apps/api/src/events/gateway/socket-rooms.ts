import { Injectable } from '@nestjs/common';
import { rooms, type EventName, type EventPayload } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';

/** A person's sockets joining or leaving a room because of a delivered event. */
export interface RoomChange {
  readonly userId: string;
  readonly room: string;
  readonly join: boolean;
}

/** Returns the extra rooms (from the shared `rooms` helper) a user belongs in, read fresh from the database. */
export type RoomResolver = (user: AuthUser) => Promise<string[]>;

/**
 * Which rooms a socket joins — and so which events it is replayed — derived on every (re)connect from the
 * database, never from a cached session. Feature modules add resolvers (e.g. a user's families).
 */
@Injectable()
export class SocketRoomRegistry {
  private readonly resolvers: RoomResolver[] = [];
  private readonly changes = new Map<string, (payload: never) => RoomChange | undefined>();

  register(resolver: RoomResolver): void {
    this.resolvers.push(resolver);
  }

  /**
   * A membership change that travels as an event: every node, right after emitting that event to its own sockets,
   * makes the person's sockets there join or leave the room. Done in the stream's order, so no event published
   * after the change reaches a removed member, and none is missed by an added one.
   */
  onDelivered<E extends EventName>(event: E, change: (payload: EventPayload<E>) => RoomChange | undefined): void {
    this.changes.set(event, change);
  }

  changeFor(type: string, payload: unknown): RoomChange | undefined {
    return (this.changes.get(type) as ((payload: unknown) => RoomChange | undefined) | undefined)?.(payload);
  }

  async roomsFor(user: AuthUser): Promise<string[]> {
    const extra = await Promise.all(this.resolvers.map((resolve) => resolve(user)));
    return [rooms.user(user.userId), rooms.organization(user.organizationId), ...extra.flat()];
  }
}
