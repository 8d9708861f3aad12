import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { RedisLink } from '../../operations/redis-link.js';
import type { EventFanout } from './fanout.service.js';
import { OutboxTail } from './outbox-tail.js';
import type { BusMessage, OutboxRepository } from './outbox.repository.js';
import type { RelayService } from './relay.service.js';
import { busMessage as message } from './testing/bus-messages.js';

/** A follower (or leader) on Redis whose database holds events 1…assigned, `delivered` of them recorded as sent. */
function follower(options: { leader?: boolean } = {}) {
  const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32), REDIS_URL: 'redis://127.0.0.1:1' });
  const state = { assigned: 0, delivered: 0, heard: 0, redisReady: true };
  const reads: [number, number][] = [];
  const received: number[] = [];
  const outbox = {
    progress: async () => ({ assignedCursor: state.assigned, deliveredCursor: state.delivered, prunedThrough: 0 }),
    range: async (after: number, upTo: number) => {
      reads.push([after, upTo]);
      return Array.from({ length: upTo - after }, (_, index) => message(after + index + 1));
    },
    pendingCount: async () => 0,
  };
  const fanout = {
    get heardCursor() {
      return state.heard;
    },
    get lastCursor() {
      return state.heard;
    },
    receive: (messages: readonly BusMessage[]) => {
      for (const each of messages) received.push(each.envelope.cursor);
      state.heard = Math.max(state.heard, ...received);
    },
    held: { overdue: () => false, announceAll: () => undefined },
  };
  const redis = new RedisLink();
  redis.attach([
    {
      get isReady() {
        return state.redisReady;
      },
      ping: async () => 'PONG',
    },
  ]);
  const relay = { isLeader: options.leader ?? false };
  const metrics = new Metrics();
  const tail = new OutboxTail(
    redis,
    relay as unknown as RelayService,
    fanout as unknown as EventFanout,
    outbox as unknown as OutboxRepository,
    config,
    metrics,
  );
  return { tail, state, reads, received, metrics };
}

describe(OutboxTail.name, () => {
  it('reads what the leader sent two checks ago and this follower never heard (the last message of a burst lost)', async () => {
    const { tail, state, reads, received, metrics } = follower();
    state.heard = 3;
    state.assigned = state.delivered = 5;
    // Events 4 and 5 may still be on their way (a watermark comes once an interval): the first check notes what the
    // leader has sent, the second waits for it.
    await tail.tick();
    await tail.tick();
    expect(reads).toEqual([]);
    await tail.tick();
    expect(reads).toEqual([[3, 5]]);
    expect(received).toEqual([4, 5]);
    expect(await metrics.registry.getSingleMetricAsString('operate_events_repaired_total')).toContain('found="behind"} 2');
  });

  it('reads nothing while what it heard keeps up with the leader, nor what the leader sent since the last check', async () => {
    const { tail, state, reads } = follower();
    for (const cursor of [10, 20, 30]) {
      state.assigned = state.delivered = cursor;
      await tail.tick();
      // Heard through Redis before the next check.
      state.heard = cursor;
    }
    state.assigned = state.delivered = 40;
    await tail.tick();
    expect(reads).toEqual([]);
  });

  it('while Redis is away, reads everything the leader numbered at once; the leader itself reads nothing', async () => {
    const away = follower();
    away.state.redisReady = false;
    away.state.assigned = 7;
    away.state.delivered = 4;
    await away.tail.tick();
    expect(away.reads).toEqual([[0, 7]]);
    expect(away.tail.active).toBe(true);

    const leader = follower({ leader: true });
    leader.state.assigned = leader.state.delivered = 9;
    await leader.tail.tick();
    await leader.tail.tick();
    expect(leader.reads).toEqual([]);
  });
});
