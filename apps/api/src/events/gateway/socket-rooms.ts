import { Injectable } from '@nestjs/common';
import { rooms, type EventName, type EventPayload } from '@operate/shared';
import type { UserColumn } from '../../auth/session.service.js';
import type { AuthUser } from '../../auth/token.service.js';

/** A person's sockets joining or leaving a room because of a delivered event. */
export interface RoomChange {
  readonly userId: string;
  readonly room: string;
  readonly join: boolean;
}

/** Returns the extra rooms (from the shared `rooms` helper) a user belongs in, read fresh from the database. */
export type RoomResolver = (user: AuthUser) => Promise<string[]>;

/** Rooms read in the handshake's session check: the ids (an SQL list over the user's id) and the room of each. */
export interface RoomColumn {
  readonly ids: UserColumn;
  readonly room: (id: string) => string;
}

/**
 * Which rooms a socket joins — and so which events it is replayed — derived on every (re)connect from the
 * database, never from a cached session. Feature modules add columns read with the handshake's session (a user's
 * families) or resolvers of their own.
 */
@Injectable()
export class SocketRoomRegistry {
  private readonly resolvers: RoomResolver[] = [];
  private readonly roomColumns: RoomColumn[] = [];
  private columnsRead = false;
  private readonly changes = new Map<string, (payload: never) => RoomChange | undefined>();

  /** Rooms a function reads: a query of its own at every (re)connect. */
  register(resolver: RoomResolver): void {
    this.resolvers.push(resolver);
  }

  /**
   * Rooms SQL can list from the user's id: read in the statement that checks the handshake's session, so they cost
   * no query of their own. Register before the app listens (at module init).
   */
  registerColumn(column: RoomColumn): void {
    if (this.columnsRead) throw new Error('Room columns are registered at module init, before the first handshake');
    this.roomColumns.push(column);
  }

  /** What the handshake's session check reads besides the session (the registry takes no more columns from here on). */
  columns(): readonly UserColumn[] {
    this.columnsRead = true;
    return this.roomColumns.map((column) => column.ids);
  }

  /** The lists `columns()` read for one caller → its rooms. */
  columnRooms(lists: readonly (readonly string[])[]): string[] {
    return this.roomColumns.flatMap((column, index) => (lists[index] ?? []).map(column.room));
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

  /** A user's rooms besides those read with the handshake's session: their own, their organization's and the resolvers'. */
  async roomsFor(user: AuthUser): Promise<string[]> {
    const extra = await Promise.all(this.resolvers.map((resolve) => resolve(user)));
    return [rooms.user(user.userId), rooms.organization(user.organizationId), ...extra.flat()];
  }
}
