import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@operate/shared';
import { loadConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { RedisLink, type PubSub } from '../../operations/redis-link.js';
import { EventBus, relayChannels } from './event-bus.js';
import { EventFanout } from './fanout.service.js';
import type { NodeSpan } from './node-routes.js';
import type { BusMessage, OutboxRepository } from './outbox.repository.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import type { OperateServer } from '../gateway/socket-types.js';
import { SocketRoomRegistry } from '../gateway/socket-rooms.js';
import { busMessage as message } from './testing/bus-messages.js';

/** Redis's publish and subscribe, in memory: each message reaches the channel's listeners on a later turn, in order. */
class Hub {
  private readonly listeners = new Map<string, ((message: string) => void)[]>();
  readonly published: { channel: string; message: string }[] = [];
  /** Messages on these channels are dropped (a lost message). */
  readonly deaf = new Set<string>();

  client(): PubSub {
    return {
      publish: async (channel, message) => {
        this.published.push({ channel, message });
        if (this.deaf.has(channel)) return 0;
        await Promise.resolve();
        for (const listener of this.listeners.get(channel) ?? []) listener(message);
        return 1;
      },
      subscribe: async (channel, listener) => {
        this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
      },
      unsubscribe: async (channel) => {
        this.listeners.delete(channel);
      },
    };
  }

  spansTo(node: string): NodeSpan[] {
    const channel = relayChannels('operate').node(node);
    return this.published.filter((each) => each.channel === channel).map((each) => JSON.parse(each.message) as NodeSpan);
  }
}

const buses: EventBus[] = [];

async function node(hub: Hub | undefined, store: BusMessage[], settings: Record<string, string> = {}) {
  const config = loadConfig({
    JWT_ACCESS_SECRET: 'a'.repeat(32),
    JWT_REFRESH_SECRET: 'r'.repeat(32),
    RELAY_POLL_INTERVAL_MS: '40',
    ...(hub ? { REDIS_URL: 'redis://127.0.0.1:1' } : {}),
    ...settings,
  });
  const delivered: number[] = [];
  /** Where each read from the database started: gaps the node repaired. */
  const reads: number[] = [];
  const held = new Map<string, Set<string>>();
  const audience = {
    emit: (_event: string, envelope: EventEnvelope) => {
      delivered.push(envelope.cursor as number);
      return true;
    },
  };
  const ref = new SocketServerRef();
  ref.set({
    local: { ...audience, to: () => audience },
    sockets: { adapter: { rooms: held }, sockets: new Map([['socket', {}]]) },
    of: () => ({ adapter: { on: () => undefined } }),
  } as unknown as OperateServer);
  const outbox = {
    progress: async () => ({ assignedCursor: 0, deliveredCursor: 0, prunedThrough: 0 }),
    range: async (after: number, upTo: number) => {
      reads.push(after);
      return store.filter((each) => each.envelope.cursor > after && each.envelope.cursor <= upTo);
    },
  };
  const registry = new SocketRoomRegistry();
  const fanout = new EventFanout(ref, outbox as unknown as OutboxRepository, config, new Metrics(), registry);
  await fanout.onModuleInit();
  const redis = new RedisLink();
  if (hub) redis.attach([{ isReady: true, ping: async () => 'PONG' }], hub.client());
  const bus = new EventBus(ref, fanout, config, redis, registry);
  buses.push(bus);
  await bus.onApplicationBootstrap();
  /** A socket here joins these rooms, once the leader routes them here. */
  const join = async (...rooms: string[]) => {
    await fanout.held.route([...rooms, '*']);
    for (const room of rooms) held.set(room, new Set(['socket']));
  };
  return { bus, fanout, delivered, join, reads };
}

const settle = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await settle(5);
  }
}

describe(EventBus.name, () => {
  beforeAll(() => {
    // The gap below is on purpose; its warning is expected.
    Logger.overrideLogger(false);
  });

  afterEach(() => {
    for (const bus of buses.splice(0)) bus.onModuleDestroy();
  });

  it("sends another node only its rooms' events; an idle node is told the range it missed nothing of", async () => {
    const hub = new Hub();
    const store = [1, 2, 3, 4].map((cursor) => message(cursor, cursor === 2 ? ['org:o2'] : ['org:o1']));
    const leader = await node(hub, store);
    leader.bus.lead();
    const follower = await node(hub, store);
    const idle = await node(hub, store);
    await follower.join('org:o2');
    await until(() => idle.fanout.held.since('*') !== undefined);

    leader.bus.publish(store);
    await until(() => follower.fanout.lastCursor === 4 && idle.fanout.lastCursor === 4);
    expect(leader.delivered).toEqual([]);
    expect(follower.delivered).toEqual([2]);
    expect(idle.delivered).toEqual([]);
    const events = (id: string) => hub.spansTo(id).flatMap((span) => span.messages.map((each) => each.envelope.cursor));
    expect(events(follower.fanout.held.node)).toEqual([2]);
    expect(events(idle.fanout.held.node)).toEqual([]);
    expect(hub.spansTo(leader.fanout.held.node)).toEqual([]);
    expect(leader.bus.routedTo(follower.fanout.held.node).sort()).toEqual(['*', 'org:o2']);
  });

  it('a join waits for the leader to route its rooms, and from there on misses none of their events', async () => {
    const hub = new Hub();
    const store = [1, 2, 3].map((cursor) => message(cursor, ['org:o5']));
    const leader = await node(hub, store);
    leader.bus.lead();
    const follower = await node(hub, store);
    leader.bus.publish(store.slice(0, 1));
    let joined = false;
    const joining = follower.join('org:o5').then(() => (joined = true));
    expect(joined).toBe(false);
    await joining;
    const since = follower.fanout.held.since('org:o5') ?? Number.NaN;
    expect(since).toBeGreaterThanOrEqual(1);
    leader.bus.publish(store.slice(1));
    await until(() => follower.fanout.lastCursor === 3);
    expect(follower.delivered).toEqual([2, 3]);
    expect(follower.fanout.deliveredSince(since, ['org:o5'])?.map((each) => each.envelope.cursor)).toEqual([2, 3]);
  });

  it("gathers a node's events over the flush interval into one span, and sends what it gathered when it stops leading", async () => {
    const hub = new Hub();
    const store = [1, 2, 3, 4, 5].map((cursor) => message(cursor));
    const leader = await node(hub, store, { RELAY_NODES_FLUSH_MS: '30' });
    leader.bus.lead();
    const follower = await node(hub, store);
    await follower.join('org:o1');
    const id = follower.fanout.held.node;
    const before = hub.spansTo(id).length;
    leader.bus.publish(store.slice(0, 2));
    leader.bus.publish(store.slice(2, 3));
    expect(hub.spansTo(id).length).toBe(before);
    await until(() => follower.fanout.lastCursor === 3);
    expect(
      hub
        .spansTo(id)
        .slice(before)
        .map((span) => span.messages.length),
    ).toEqual([3]);
    leader.bus.publish(store.slice(3));
    leader.bus.follow();
    await until(() => follower.delivered.length === 5);
    expect(follower.delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it("answering one node's announcement sends the spans gathered for the others too, none dropped", async () => {
    const hub = new Hub();
    const store = [1, 2].map((cursor) => message(cursor));
    const leader = await node(hub, store, { RELAY_NODES_FLUSH_MS: '1000' });
    leader.bus.lead();
    const gathering = await node(hub, store);
    const joining = await node(hub, []);
    await gathering.join('org:o1');
    leader.bus.publish(store);
    // Gathered for a second; an acknowledgement for another node goes out now, and so does this node's span.
    await joining.join('org:o9');
    await until(() => gathering.delivered.length === 2);
    expect(gathering.delivered).toEqual([1, 2]);
    expect(gathering.reads).toEqual([]);
  });

  it('a lost span is a gap: the node reads the range from the database, in order', async () => {
    const hub = new Hub();
    const store = [1, 2, 3, 4].map((cursor) => message(cursor));
    const leader = await node(hub, store);
    leader.bus.lead();
    const follower = await node(hub, store);
    await follower.join('org:o1');
    const channel = relayChannels('operate').node(follower.fanout.held.node);
    hub.deaf.add(channel);
    leader.bus.publish(store.slice(0, 2));
    hub.deaf.delete(channel);
    leader.bus.publish(store.slice(2));
    await until(() => follower.delivered.length === 4);
    expect(follower.delivered).toEqual([1, 2, 3, 4]);
  });

  it('a new leader asks every node for its rooms and routes them from its first span on', async () => {
    const hub = new Hub();
    const store = [1, 2, 3].map((cursor) => message(cursor));
    const first = await node(hub, store);
    first.bus.lead();
    const second = await node(hub, store);
    const other = await node(hub, store);
    await other.join('org:o1');
    first.bus.publish(store.slice(0, 1));
    await until(() => other.fanout.lastCursor === 1);
    first.bus.follow();
    second.bus.lead();
    await until(() => second.bus.routedTo(other.fanout.held.node).includes('org:o1'));
    second.bus.publish(store.slice(1));
    await until(() => other.fanout.lastCursor === 3);
    expect(other.delivered).toEqual([1, 2, 3]);
    expect(second.bus.routedTo(first.fanout.held.node)).toEqual(['*']);
  });

  it('without Redis a node delivers what it publishes and sends nothing', async () => {
    const alone = await node(undefined, []);
    alone.bus.lead();
    alone.bus.publish([message(1), message(2)]);
    await until(() => alone.fanout.lastCursor === 2);
    expect(alone.delivered).toEqual([]);
    expect(alone.fanout.held.route(['org:o1'])).toBeUndefined();
  });
});
