import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@operate/shared';
import { loadConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { EventFanout } from './fanout.service.js';
import type { OutboxRepository } from './outbox.repository.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import type { OperateServer } from '../gateway/socket-types.js';
import { SocketRoomRegistry } from '../gateway/socket-rooms.js';
import { busMessage as message } from './testing/bus-messages.js';

const config = (bufferEvents: number) =>
  loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32), REPLAY_BUFFER_EVENTS: String(bufferEvents) });

/** The rooms this node's sockets are in (every room the specs use, unless told). */
const HELD = ['org:o1', 'org:o2', 'user:u1'];

function node(
  store: Pick<OutboxRepository, 'range'>,
  bufferEvents = 10,
  held: readonly string[] = HELD,
  severalNodes = false,
  registry = new SocketRoomRegistry(),
) {
  const delivered: number[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const audience = {
    emit: (_event: string, envelope: EventEnvelope) => {
      delivered.push(envelope.cursor as number);
      for (const waiter of waiters.filter((w) => delivered.length >= w.count)) waiter.resolve();
      return true;
    },
  };
  const ref = new SocketServerRef();
  const sockets = { adapter: { rooms: new Map(held.map((room) => [room, new Set(['socket'])])) }, sockets: new Map([['socket', {}]]) };
  const members = { socketsJoin: () => undefined, socketsLeave: () => undefined };
  ref.set({ local: { ...audience, to: () => audience, in: () => members }, sockets } as unknown as OperateServer);
  const settings = config(bufferEvents);
  const fanout = new EventFanout(
    ref,
    store as OutboxRepository,
    severalNodes ? { ...settings, redisUrl: 'redis://127.0.0.1:1' } : settings,
    new Metrics(),
    registry,
  );
  const waitFor = (count: number) =>
    new Promise<void>((resolve) => (delivered.length >= count ? resolve() : waiters.push({ count, resolve })));
  return { fanout, delivered, waitFor };
}

describe(EventFanout.name, () => {
  beforeAll(() => {
    // Failures below are on purpose; their error logs are expected.
    Logger.overrideLogger(false);
  });

  it('delivers in cursor order and drops repeats', async () => {
    const { fanout, delivered, waitFor } = node({ range: () => Promise.resolve([]) });
    fanout.receive([message(1), message(2), message(2), message(1), message(3)]);
    await waitFor(3);
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('fills a gap from the store before going on', async () => {
    const { fanout, delivered, waitFor } = node({ range: (after, upTo) => Promise.resolve([message(after + 1), message(upTo)]) });
    fanout.receive([message(1), message(4)]);
    await waitFor(4);
    expect(delivered).toEqual([1, 2, 3, 4]);
  });

  it('keeps retrying a gap while the store fails, and delivers nothing out of order meanwhile', async () => {
    let failures = 2;
    const { fanout, delivered, waitFor } = node({
      range: (after, upTo) =>
        failures-- > 0 ? Promise.reject(new Error('database unreachable')) : Promise.resolve([message(after + 1), message(upTo)]),
    });
    fanout.receive([message(1), message(4), message(5)]);
    await waitFor(5);
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
    expect(failures).toBe(-1);
  });

  it('answers "delivered since" from memory while it holds the whole run, and defers to the store beyond', async () => {
    const { fanout, waitFor } = node({ range: () => Promise.resolve([]) }, 4);
    expect(fanout.deliveredSince(0, ['org:o1'])).toEqual([]);
    fanout.receive([1, 2, 3, 4, 5, 6].map((cursor) => message(cursor)));
    await waitFor(6);
    const cursorsSince = (cursor: number) => fanout.deliveredSince(cursor, ['org:o1'])?.map((entry) => entry.envelope.cursor);
    // Six delivered; four kept (trimmed in chunks, so up to five may still be there).
    expect(cursorsSince(6)).toEqual([]);
    expect(cursorsSince(3)).toEqual([4, 5, 6]);
    expect(cursorsSince(0)).toBeUndefined();
  });

  it('answers from memory only the audiences asked for, each event once, in cursor order, also after trimming', async () => {
    const { fanout, waitFor } = node({ range: () => Promise.resolve([]) }, 4);
    fanout.receive([
      message(1, ['org:o2']),
      message(2, ['org:o1', 'user:u1']),
      message(3, ['*']),
      message(4, ['org:o2']),
      message(5, ['user:u1']),
      message(6, ['org:o1']),
      message(7, ['org:o2']),
    ]);
    await waitFor(7);
    const mine = ['user:u1', 'org:o1', '*'];
    expect(fanout.deliveredSince(2, mine)?.map((entry) => entry.envelope.cursor)).toEqual([3, 5, 6]);
    expect(fanout.deliveredSince(1, ['org:o2'])).toBeUndefined();
    expect(fanout.deliveredSince(3, ['org:o2'])?.map((entry) => entry.envelope.cursor)).toEqual([4, 7]);
  });

  it('emits only events with a room held here, yet remembers every one (a resume may come here)', async () => {
    const { fanout, delivered, waitFor } = node({ range: () => Promise.reject(new Error('no gap to repair')) }, 10, ['org:o1']);
    fanout.receive([message(1, ['org:o2']), message(2, ['org:o1', 'org:o2']), message(3, ['user:u9']), message(4, ['*']), message(5)]);
    await waitFor(3);
    expect(delivered).toEqual([2, 4, 5]);
    expect(fanout.lastCursor).toBe(5);
    expect(fanout.deliveredSince(0, ['org:o2'])?.map((entry) => entry.envelope.cursor)).toEqual([1, 2]);
  });

  it('takes a span as the whole range it covers: its events, a gap before it read from the store, nothing after', async () => {
    const reads: [number, number][] = [];
    const { fanout, delivered, waitFor } = node({
      range: (after, upTo) => {
        reads.push([after, upTo]);
        return Promise.resolve([message(upTo, ['org:o2'])]);
      },
    });
    fanout.receive([message(1)]);
    fanout.receiveSpan({ from: 1, through: 6, messages: [message(3), message(5)] });
    fanout.receiveSpan({ from: 6, through: 9, messages: [] });
    // A span starting past what was delivered: the range between is read first.
    fanout.receiveSpan({ from: 12, through: 14, messages: [message(14)] });
    await waitFor(5);
    expect(delivered).toEqual([1, 3, 5, 12, 14]);
    expect(reads).toEqual([[9, 12]]);
    expect(fanout.lastCursor).toBe(14);
    // Memory holds what this node received from cursor 0 on, for the rooms it is sent everything of.
    expect(fanout.deliveredSince(4, ['org:o1'])?.map((entry) => entry.envelope.cursor)).toEqual([5, 14]);
  });

  it('answers from memory only for rooms the leader has sent this node since the cursor asked about', async () => {
    const { fanout, waitFor } = node({ range: () => Promise.resolve([]) }, 10, ['org:o1'], true);
    // Rooms this node held while it led stay routed here under the next leader.
    fanout.held.lead(0);
    void fanout.held.route(['org:o1']);
    fanout.held.follow();
    fanout.receiveSpan({ from: 0, through: 4, messages: [message(2)] });
    fanout.receiveSpan({ from: 4, through: 6, messages: [message(6)], acked: [['org:o3', 5]] });
    await waitFor(2);
    expect(fanout.deliveredSince(0, ['org:o1'])?.map((entry) => entry.envelope.cursor)).toEqual([2, 6]);
    // Routed here from cursor 5 on: a resume from before that reads the store.
    expect(fanout.deliveredSince(4, ['org:o3'])).toBeUndefined();
    expect(fanout.deliveredSince(5, ['org:o3'])).toEqual([]);
    expect(fanout.deliveredSince(5, ['org:o9'])).toBeUndefined();
  });

  it('sends a room joined through a membership change the events the leader had not routed here yet, late but once', async () => {
    const registry = new SocketRoomRegistry();
    registry.onDelivered('invoice.overdue' as never, () => ({ userId: 'u1', room: 'family:f1', join: true }));
    const reads: unknown[] = [];
    const { fanout, delivered, waitFor } = node(
      {
        range: (after, upTo, options) => {
          reads.push([after, upTo, options?.audiences]);
          return Promise.resolve([message(4, ['family:f1']), message(5, ['family:f1', 'user:u1'])]);
        },
      },
      10,
      ['user:u1', 'family:f1'],
      true,
      registry,
    );
    fanout.held.lead(0);
    void fanout.held.route(['user:u1']);
    fanout.held.follow();
    // The change at cursor 3 adds family:f1 here; the leader routes it only from cursor 5 on.
    fanout.receiveSpan({ from: 0, through: 3, messages: [message(3, ['user:u1'])] });
    fanout.receiveSpan({ from: 3, through: 6, messages: [message(5, ['user:u1']), message(6, ['family:f1'])], acked: [['family:f1', 5]] });
    await waitFor(4);
    expect(reads).toEqual([[3, 5, ['family:f1']]]);
    // 5 reached the room's sockets through user:u1 already; 4 never had.
    expect(delivered).toEqual([3, 5, 6, 4]);
    // A resume from before cursor 5 reads the store: memory lacks 4.
    expect(fanout.held.since('family:f1')).toBe(5);
  });
});
