import { describe, expect, it } from '@jest/globals';
import { HeldRooms, ROOM_LINGER_MS, ROUTE_WAIT_MS } from './held-rooms.js';
import type { RouteAnnouncement } from './node-routes.js';

function rooms(options: { routed?: boolean; occupied?: string[] } = {}) {
  const sent: RouteAnnouncement[] = [];
  const clock = { now: 1_000 };
  const occupied = new Set(options.occupied ?? []);
  const held = new HeldRooms(
    'n1',
    options.routed ?? true,
    (room) => occupied.has(room),
    () => clock.now,
  );
  held.sender = (announcement) => sent.push(announcement);
  const settled = (promise: Promise<void> | undefined) => {
    let done = promise === undefined;
    void promise?.then(() => (done = true));
    return () => done;
  };
  return { held, sent, clock, occupied, settled };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe(HeldRooms.name, () => {
  it('on one node every room is routed from the start, and nothing is announced', () => {
    const { held, sent } = rooms({ routed: false });
    expect(held.route(['org:o1'])).toBeUndefined();
    expect(held.since('org:o9')).toBe(0);
    held.announceAll();
    held.heartbeat();
    expect(sent).toEqual([]);
  });

  it('announces the rooms a join needs, in one message, and lets the join go on when the leader acknowledges them', async () => {
    const { held, sent, settled, occupied } = rooms();
    held.announceAll();
    const first = settled(held.route(['org:o1', 'user:u1', '*']));
    const second = settled(held.route(['org:o1']));
    await tick();
    expect(sent).toEqual([
      { node: 'n1', seq: 1, rooms: [], add: ['*'] },
      { node: 'n1', seq: 2, add: ['org:o1', 'user:u1'] },
    ]);
    occupied.add('org:o1').add('user:u1');
    held.acknowledge([
      ['*', 3],
      ['org:o1', 4],
    ]);
    await tick();
    expect(second()).toBe(true);
    expect(first()).toBe(false);
    held.acknowledge([['user:u1', 5]]);
    await tick();
    expect(first()).toBe(true);
    expect([held.since('org:o1'), held.since('user:u1'), held.since('org:o2')]).toEqual([4, 5, undefined]);
    // Routed now: the next join does not wait.
    expect(held.route(['org:o1', 'user:u1'])).toBeUndefined();
  });

  it('a room joined through a membership change before the leader routed it: the events in between are owed to it', () => {
    const { held, occupied } = rooms();
    occupied.add('family:f1');
    held.joined('family:f1', 7);
    expect(held.acknowledge([['family:f1', 7]])).toEqual([]);
    held.joined('family:f2', 7);
    expect(held.acknowledge([['family:f2', 9]])).toEqual([{ room: 'family:f2', after: 7, upTo: 9 }]);
    expect(held.since('family:f1')).toBe(7);
  });

  it('stops routing a room left empty for the linger time, unless a socket joins it again', async () => {
    const { held, sent, clock, occupied } = rooms({ occupied: ['org:o1', 'org:o2'] });
    void held.route(['org:o1', 'org:o2']);
    held.acknowledge([
      ['*', 1],
      ['org:o1', 1],
      ['org:o2', 1],
    ]);
    occupied.clear();
    held.emptied('org:o1');
    held.emptied('org:o2');
    clock.now += ROOM_LINGER_MS / 2;
    held.entered('org:o2');
    occupied.add('org:o2');
    clock.now += ROOM_LINGER_MS;
    held.sweep();
    await tick();
    expect(sent.at(-1)).toMatchObject({ remove: ['org:o1'] });
    expect(held.rooms).toEqual(['*', 'org:o2']);
    expect(held.since('org:o1')).toBeUndefined();
  });

  it('lets waiting joins go after the wait limit, reports it overdue (the node then reads every event) and asks again', async () => {
    const { held, sent, clock, settled } = rooms();
    const join = settled(held.route(['org:o1']));
    await tick();
    expect(held.overdue()).toBe(false);
    clock.now += ROUTE_WAIT_MS;
    expect(held.overdue()).toBe(true);
    await tick();
    expect(join()).toBe(true);
    expect(sent.at(-1)).toMatchObject({ rooms: [], add: ['*', 'org:o1'] });
    held.acknowledge([
      ['*', 2],
      ['org:o1', 2],
    ]);
    expect(held.overdue()).toBe(false);
  });

  it('on the leader nothing waits, and the rooms it holds go to the next leader when it steps down', () => {
    const { held, sent } = rooms();
    held.lead(10);
    expect(held.route(['org:o1'])).toBeUndefined();
    held.joined('family:f1', 12);
    expect([held.since('org:o1'), held.since('family:f1'), held.since('org:o9')]).toEqual([10, 10, 10]);
    held.follow();
    expect(sent).toEqual([{ node: 'n1', seq: 1, rooms: ['*', 'org:o1', 'family:f1'], add: [] }]);
    expect(held.since('org:o9')).toBeUndefined();
    expect(held.since('family:f1')).toBe(12);
  });
});
