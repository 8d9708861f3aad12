import { describe, expect, it } from '@jest/globals';
import { RouteTable, type NodeSpan } from './node-routes.js';
import type { RoomChange } from '../gateway/socket-rooms.js';
import { busMessage as message } from './testing/bus-messages.js';

const noChange = (): RoomChange | undefined => undefined;
const cursors = (span: NodeSpan | undefined) => span?.messages.map((each) => each.envelope.cursor);
const spanFor = (spans: [string, NodeSpan][], node: string) => spans.find(([id]) => id === node)?.[1];

describe(RouteTable.name, () => {
  it("sends each node only the events of rooms it holds, as spans of the whole range; nothing to the leader's own node", () => {
    const table = new RouteTable('leader');
    table.reset(10);
    table.learn({ node: 'a', seq: 1, rooms: ['*', 'org:o1'] }, 0);
    table.learn({ node: 'b', seq: 1, rooms: ['*', 'org:o2'] }, 0);
    expect(table.learn({ node: 'leader', seq: 1, rooms: ['org:o3'] }, 0)).toBeUndefined();
    table.route(
      [message(11, ['org:o1']), message(12, ['org:o2']), message(13, ['org:o3']), message(14, ['*']), message(15, ['org:o1', 'org:o2'])],
      noChange,
    );
    const spans = table.take(0);
    expect(spans.map(([id]) => id).sort()).toEqual(['a', 'b']);
    expect(spanFor(spans, 'a')).toMatchObject({ from: 10, through: 15 });
    expect(cursors(spanFor(spans, 'a'))).toEqual([11, 14, 15]);
    expect(cursors(spanFor(spans, 'b'))).toEqual([12, 14, 15]);
    // Nothing new for either: nothing sent, until a node has been idle long enough to be owed a watermark.
    table.route([message(16, ['org:o3'])], noChange);
    expect(table.take(50)).toEqual([]);
    expect(table.take(100, 100).map(([id, span]) => [id, span.from, span.through, span.messages.length])).toEqual([
      ['a', 15, 16, 0],
      ['b', 15, 16, 0],
    ]);
    expect(table.take(300, 100)).toEqual([]);
  });

  it('acknowledges an added room with the cursor it is routed from, and stops routing a removed one', () => {
    const table = new RouteTable('leader');
    table.reset(0);
    table.learn({ node: 'a', seq: 1, rooms: ['*'] }, 0);
    table.route([message(1, ['org:o1'])], noChange);
    expect(table.learn({ node: 'a', seq: 2, add: ['org:o1'] }, 0)).toBe('a');
    table.route([message(2, ['org:o1'])], noChange);
    const [[, span]] = table.take(0) as [[string, NodeSpan]];
    expect(span).toMatchObject({ from: 0, through: 2, acked: [['org:o1', 1]] });
    expect(cursors(span)).toEqual([2]);
    table.learn({ node: 'a', seq: 3, remove: ['org:o1'] }, 0);
    table.route([message(3, ['org:o1'])], noChange);
    expect(table.take(0)).toEqual([]);
    expect(table.roomsOf('a')).toEqual(['*']);
  });

  it("adds the room of a membership change for every node holding the member's own room, from that event on", () => {
    const table = new RouteTable('leader');
    table.reset(0);
    table.learn({ node: 'a', seq: 1, rooms: ['user:u1'] }, 0);
    table.learn({ node: 'b', seq: 1, rooms: ['user:u2'] }, 0);
    const join = message(1, ['family:f1', 'user:u1']);
    table.route([join, message(2, ['family:f1'])], (each) => (each === join ? { userId: 'u1', room: 'family:f1', join: true } : undefined));
    const spans = table.take(0);
    expect(cursors(spanFor(spans, 'a'))).toEqual([1, 2]);
    expect(spanFor(spans, 'b')).toBeUndefined();
    // Announced by the node afterwards: acknowledged from the event that added it.
    table.learn({ node: 'a', seq: 2, add: ['family:f1'] }, 0);
    expect(spanFor(table.take(0), 'a')?.acked).toEqual([['family:f1', 1]]);
  });

  it('asks a node it does not know, or whose heartbeat disagrees, for its whole set; a whole set with rooms it lacked restarts the span', () => {
    const table = new RouteTable('leader');
    table.reset(5);
    expect(table.learn({ node: 'a', seq: 7, size: 3 }, 0)).toBe('a');
    expect(table.take(0)).toEqual([['a', { from: 5, through: 5, messages: [], resync: true }]]);
    table.learn({ node: 'a', seq: 8, rooms: ['org:o1'] }, 0);
    expect(table.learn({ node: 'a', seq: 9, size: 1 }, 0)).toBeUndefined();
    expect(table.learn({ node: 'a', seq: 10, size: 2 }, 0)).toBe('a');
    expect(table.take(0)[0]?.[1].resync).toBe(true);
    table.route([message(6, ['org:o1']), message(7, ['org:o2'])], noChange);
    // org:o2 was not routed to the node: its next span starts at the latest cursor, and it reads 5–7 itself.
    table.learn({ node: 'a', seq: 11, rooms: ['org:o1', 'org:o2'] }, 0);
    table.route([message(8, ['org:o2'])], noChange);
    expect(table.take(0).map(([, span]) => [span.from, span.through, cursors(span)])).toEqual([[7, 8, [8]]]);
  });

  it('forgets a node not heard for the given time', () => {
    const table = new RouteTable('leader');
    table.reset(0);
    table.learn({ node: 'a', seq: 1, rooms: ['org:o1'] }, 0);
    table.learn({ node: 'b', seq: 1, rooms: ['org:o1'] }, 0);
    table.learn({ node: 'b', seq: 2, size: 1 }, 15_000);
    expect(table.expire(20_000, 20_000)).toEqual(['a']);
    table.route([message(1, ['org:o1'])], noChange);
    expect(table.take(20_000).map(([id]) => id)).toEqual(['b']);
    expect(table.size).toBe(1);
  });
});
