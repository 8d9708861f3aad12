import { Injectable } from '@nestjs/common';
import { rooms } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';

/** Returns the extra rooms (from the shared `rooms` helper) a user belongs in, read fresh from the database. */
export type RoomResolver = (user: AuthUser) => Promise<string[]>;

/**
 * Which rooms a socket joins — and so which events it is replayed — derived on every (re)connect from the
 * database, never from a cached session. Feature modules add resolvers (e.g. a user's families).
 */
@Injectable()
export class SocketRoomRegistry {
  private readonly resolvers: RoomResolver[] = [];

  register(resolver: RoomResolver): void {
    this.resolvers.push(resolver);
  }

  async roomsFor(user: AuthUser): Promise<string[]> {
    const extra = await Promise.all(this.resolvers.map((resolve) => resolve(user)));
    return [rooms.user(user.userId), rooms.organization(user.organizationId), ...extra.flat()];
  }
}
