import { describe, expect, it } from '@jest/globals';
import { rooms } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { SocketRoomRegistry } from './socket-rooms.js';

const user: AuthUser = {
  userId: '0d9d6a8c-7b1e-4a43-9f0e-2b7f3f1a2c11',
  organizationId: '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c11',
  role: 'MEMBER',
  sessionId: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c',
  expiresAt: 2_000_000_000,
};

describe(SocketRoomRegistry.name, () => {
  it("names each column's ids as its rooms, apart from the user's own rooms and the resolvers'", async () => {
    const registry = new SocketRoomRegistry();
    registry.registerColumn({
      ids: (userId) => `ARRAY(SELECT "familyId"::text FROM "FamilyMember" WHERE "userId" = ${userId})`,
      room: (id) => rooms.family(id),
    });
    registry.registerColumn({ ids: (userId) => `ARRAY(SELECT ${userId}::text)`, room: (id) => `team:${id}` });
    registry.register(async () => ['desk:1']);

    expect(registry.columns().map((column) => column('u.id'))).toEqual([
      'ARRAY(SELECT "familyId"::text FROM "FamilyMember" WHERE "userId" = u.id)',
      'ARRAY(SELECT u.id::text)',
    ]);
    const read = registry.columnRooms([['f1', 'f2'], ['t1']]);
    expect(read).toEqual(['family:f1', 'family:f2', 'team:t1']);
    expect(await registry.roomsFor(user)).toEqual([rooms.user(user.userId), rooms.organization(user.organizationId), 'desk:1']);
  });

  it('takes no column once the handshake has read them: a late one would silently never be read', () => {
    const registry = new SocketRoomRegistry();
    registry.columns();
    expect(() => registry.registerColumn({ ids: (userId) => `ARRAY(SELECT ${userId}::text)`, room: (id) => rooms.family(id) })).toThrow(
      'Room columns are registered at module init, before the first handshake',
    );
  });
});
