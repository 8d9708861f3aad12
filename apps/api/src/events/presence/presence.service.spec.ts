import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { PresenceEvent, rooms } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { loadConfig } from '../../config/config.js';
import type { RedisLink } from '../../operations/redis-link.js';
import type { EventsService } from '../events.service.js';
import { PresenceService } from './presence.service.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import type { OperateServer } from '../gateway/socket-types.js';
import { FakeEventsService } from '../testing/index.js';

const person: AuthUser = {
  userId: '6f1c2b3d-4e5f-4a43-9f0e-2b7f3f1a2c11',
  organizationId: '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c11',
  role: 'MEMBER',
  sessionId: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c',
  expiresAt: 0,
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 40));
const colleague: AuthUser = { ...person, userId: '6f1c2b3d-4e5f-4a43-9f0e-2b7f3f1a2c12' };
const otherColleague: AuthUser = { ...person, userId: '6f1c2b3d-4e5f-4a43-9f0e-2b7f3f1a2c13' };
const colleagues = [colleague, otherColleague];
const elsewhere: AuthUser = {
  ...person,
  userId: '6f1c2b3d-4e5f-4a43-9f0e-2b7f3f1a2c14',
  organizationId: '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c12',
};

/** A socket on some node, as fetchSockets answers it; `person`'s unless `user` says whose. */
interface ClusterSocket {
  id: string;
  handshake: { issued: number };
  user?: AuthUser;
}

/**
 * One node's PresenceService over a fake cluster: `cluster` is every socket on any node (fetchSockets answers
 * those in the asked rooms: the organization's, or each person's own), `here` the ids held by this node.
 */
function node(redis: Pick<RedisLink, 'configured' | 'ready'> = { configured: false, ready: false }) {
  const cluster: ClusterSocket[] = [];
  const here = new Set<string>();
  const asked = { times: 0, failWith: undefined as Error | undefined };
  const server = {
    in: (room: string | string[]) => ({
      fetchSockets: () => {
        asked.times++;
        if (asked.failWith) return Promise.reject(asked.failWith);
        const wanted = new Set([room].flat());
        const sockets = cluster.map(({ id, handshake, user = person }) => ({ id, handshake, data: { user } }));
        return Promise.resolve(
          sockets.filter(
            ({ data }) => wanted.has(rooms.user(data.user.userId)) || wanted.has(rooms.organization(data.user.organizationId)),
          ),
        );
      },
    }),
    sockets: { sockets: { has: (id: string) => here.has(id) } },
  } as unknown as OperateServer;
  const ref = new SocketServerRef();
  ref.set(server);
  const events = new FakeEventsService();
  const config = loadConfig({
    JWT_ACCESS_SECRET: 'a'.repeat(32),
    JWT_REFRESH_SECRET: 'r'.repeat(32),
    PRESENCE_SETTLE_MS: '5',
    PRESENCE_OFFLINE_GRACE_MS: '10',
  });
  const presence = new PresenceService(ref, events as unknown as EventsService, config, redis as RedisLink);
  const announced = () =>
    events
      .payloadsOf(PresenceEvent.Changed)
      .flatMap((payload) => payload.changes)
      .map((change) => change.online);
  /** Each of `users` gets one socket on this node (`s0`, `s1`, … in that order); returns them. */
  const hold = (users: readonly AuthUser[]) => {
    for (const user of users) {
      const id = `s${cluster.length}`;
      cluster.push({ id, handshake: { issued: cluster.length }, user });
      here.add(id);
    }
    return users;
  };
  return { cluster, here, hold, asked, presence, events, announced };
}

describe(PresenceService.name, () => {
  it('answers who is online at once with a coded 503 while Redis is away, without asking the other nodes', async () => {
    const { presence, asked } = node({ configured: true, ready: false });
    await expect(presence.list(person.organizationId)).rejects.toMatchObject({
      status: 503,
      response: { code: 'presence_unavailable', message: expect.stringContaining('Redis is reconnecting') },
    });
    expect(asked.times).toBe(0);
  });

  it('turns a question lost between the nodes into a coded 503', async () => {
    const { presence, asked, cluster } = node({ configured: true, ready: true });
    cluster.push({ id: 's1', handshake: { issued: 1 } });
    asked.failWith = new Error('Socket closed unexpectedly');
    await expect(presence.list(person.organizationId)).rejects.toMatchObject({
      status: 503,
      response: { code: 'presence_unavailable', message: expect.stringContaining('Socket closed unexpectedly') },
    });
    asked.failWith = undefined;
    await expect(presence.list(person.organizationId)).resolves.toEqual({ online: [{ userId: person.userId, connections: 1 }] });
  });

  it('announces a person once however many sockets they open, and offline after the last has gone for the grace', async () => {
    const { cluster, here, presence, announced } = node();
    for (const id of ['s1', 's2']) {
      cluster.push({ id, handshake: { issued: cluster.length } });
      here.add(id);
      presence.connected(person);
      await settle();
    }
    expect(announced()).toEqual([true]);
    cluster.splice(0);
    here.clear();
    presence.disconnected(person, 1);
    presence.disconnected(person, 0);
    await settle();
    expect(announced()).toEqual([true, false]);
  });

  it('keeps nothing of a person who came back within the grace', async () => {
    const { cluster, here, presence, announced } = node();
    cluster.push({ id: 's1', handshake: { issued: 1 } });
    here.add('s1');
    presence.connected(person);
    await settle();
    // A reconnect: the old socket goes, the new one comes before the grace ends.
    presence.disconnected(person, 0);
    cluster.splice(0, 1, { id: 's2', handshake: { issued: 2 } });
    here.clear();
    here.add('s2');
    presence.connected(person);
    await settle();
    expect(announced()).toEqual([true]);
    // When they went is memory only: read it where it is kept.
    expect((presence as unknown as { lastGone: Map<string, number> }).lastGone.has(person.userId)).toBe(false);
  });

  it('leaves the announcement to the node holding the earliest socket', async () => {
    const { cluster, here, presence, announced } = node();
    cluster.push({ id: 'elsewhere', handshake: { issued: 1 } }, { id: 'mine', handshake: { issued: 2 } });
    here.add('mine');
    presence.connected(person);
    await settle();
    expect(announced()).toEqual([]);
  });

  it('forgets a person who left for another node, so their return after an offline announced there is announced', async () => {
    const { cluster, here, presence, announced } = node();
    cluster.push({ id: 'mine', handshake: { issued: 1 } });
    here.add('mine');
    presence.connected(person);
    await settle();
    // The tab moves to another node; this node sees them online there and steps back.
    cluster.splice(0, 1, { id: 'other-node', handshake: { issued: 2 } });
    here.clear();
    presence.disconnected(person, 0);
    await settle();
    // They leave that node too (it announces offline), then come back here.
    cluster.splice(0, 1, { id: 'back', handshake: { issued: 3 } });
    here.add('back');
    presence.connected(person);
    await settle();
    expect(announced()).toEqual([true, true]);
  });

  describe('with the clock held (a window is exact)', () => {
    beforeEach(() => {
      jest.useFakeTimers({ now: 1_000_000 });
    });
    afterEach(() => {
      jest.useRealTimers();
    });
    const settleHeld = () => jest.advanceTimersByTimeAsync(40);

    it('announces an organization’s people who arrive within one window in one event, other organizations apart, in one write', async () => {
      const { hold, presence, events, asked } = node();
      const writes = jest.spyOn(events, 'publishEach');
      for (const user of hold([person, ...colleagues, elsewhere])) presence.connected(user);
      await settleHeld();
      expect(
        events
          .payloadsOf(PresenceEvent.Changed)
          .map((payload) => payload.changes.length)
          .sort(),
      ).toEqual([1, 3]);
      expect(writes).toHaveBeenCalledTimes(1);
      // Everyone due in the window is looked up across the nodes in one question.
      expect(asked.times).toBe(1);
    });

    it('tells apart, in one question, who has gone, who is held by another node now and who stayed', async () => {
      const { cluster, here, hold, presence, events, asked } = node();
      for (const user of hold([person, ...colleagues])) presence.connected(user);
      await settleHeld();
      // The person leaves for good; a colleague's tab moves to another node; the other colleague stays.
      cluster.splice(0, 1);
      here.delete('s0');
      presence.disconnected(person, 0);
      cluster.splice(1, 1, { id: 'other-node', handshake: { issued: 3 }, user: otherColleague });
      here.delete('s2');
      presence.disconnected(otherColleague, 0);
      asked.times = 0;
      await settleHeld();
      expect(events.payloadsOf(PresenceEvent.Changed).map((payload) => payload.changes)).toEqual([
        [
          { userId: person.userId, online: true },
          { userId: colleague.userId, online: true },
          { userId: otherColleague.userId, online: true },
        ],
        [{ userId: person.userId, online: false }],
      ]);
      expect(asked.times).toBe(1);
    });

    it('checks everyone of a window again when the question to the cluster fails', async () => {
      const { hold, presence, announced, asked } = node();
      hold([person, ...colleagues]);
      asked.failWith = new Error('Socket closed unexpectedly');
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      for (const user of [person, ...colleagues]) presence.connected(user);
      await settleHeld();
      expect(announced()).toEqual([]);
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ msg: 'presence check failed; retrying', people: 3 }));
      warn.mockRestore();
      asked.failWith = undefined;
      // The retry comes a second later, for all three.
      await jest.advanceTimersByTimeAsync(1_000);
      expect(announced()).toEqual([true, true, true]);
    });
  });
});
