import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { RedisLink } from '../../operations/redis-link.js';
import { EventFanout } from './fanout.service.js';
import { RouteTable, type NodeSpan, type RouteAnnouncement } from './node-routes.js';
import type { BusMessage } from './outbox.repository.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import { SocketRoomRegistry } from '../gateway/socket-rooms.js';
import type { OperateServer } from '../gateway/socket-types.js';

/** Events gathered for the other nodes beyond this many go out at once, whatever the flush interval. */
const NODES_FLUSH_EVENTS = 1_000;
/** A node tells the leader the size of its set this often; the leader forgets a node silent for ten times as long. */
const HEARTBEAT_MS = 2_000;
/** How long a starting node waits for its subscriptions before going on without them. */
const SUBSCRIBE_WAIT_MS = 5_000;

/** The relay's Redis channels under REDIS_KEY_PREFIX: the leader's inbox, each node's, and the leader's greeting. */
export function relayChannels(prefix: string) {
  return {
    rooms: `${prefix}:relay:rooms`,
    node: (id: string) => `${prefix}:relay:node:${id}`,
    leader: `${prefix}:relay:leader`,
  };
}

/**
 * Carries relayed events from the relay leader to the nodes, itself included. Alone, a node delivers what it
 * publishes. With several (REDIS_URL), each node tells the leader which rooms it holds and the leader sends it
 * only the events for them, as spans of the cursor range they cover, on the node's own Redis channel — so a node
 * pays for its own sockets' events, not for every node's, and still sees a lost message as a gap. An idle
 * node gets the range it missed nothing of now and then (a watermark), so it knows it is up to date. The leader
 * gathers a node's events over RELAY_NODES_FLUSH_MS into one message; its own sockets get each batch at once.
 */
@Injectable()
export class EventBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventBus.name);
  private readonly channels: ReturnType<typeof relayChannels>;
  private readonly table: RouteTable;
  private leading = false;
  private gathered = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private ticks = 0;

  constructor(
    serverRef: SocketServerRef,
    private readonly fanout: EventFanout,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisLink,
    private readonly roomRegistry: SocketRoomRegistry,
  ) {
    this.channels = relayChannels(config.redisKeyPrefix);
    this.table = new RouteTable(fanout.held.node);
    serverRef.whenReady((server: OperateServer) => {
      if (!this.fanout.held.routed) return;
      const adapter = server.of('/').adapter;
      adapter.on('create-room', (room: string) => this.fanout.held.entered(room));
      adapter.on('delete-room', (room: string) => this.fanout.held.emptied(room));
    });
  }

  /** How often the leader looks for nodes owed a watermark (and a follower sweeps). */
  private get tickMs(): number {
    return Math.max(10, Math.floor(this.config.relay.pollIntervalMs / 4));
  }

  async onApplicationBootstrap(): Promise<void> {
    const pubSub = this.redis.pubSub;
    if (!this.fanout.held.routed || !pubSub) return;
    const held = this.fanout.held;
    held.sender = (announcement) => this.send(this.channels.rooms, announcement);
    const subscribed = Promise.all([
      pubSub.subscribe(this.channels.node(held.node), (message) => {
        // A leader routes nothing to itself; a span here is a former leader's, already delivered or read again.
        if (this.leading) return;
        const span = JSON.parse(message) as NodeSpan;
        if (span.resync) held.announceAll();
        this.fanout.receiveSpan(span);
      }),
      pubSub.subscribe(this.channels.leader, (leader) => {
        if (leader !== held.node) held.announceAll();
      }),
    ]);
    // Redis just connected; should it go away now, the node starts anyway and reads the database until it is back.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)))]).finally(() =>
      clearTimeout(timer),
    );
    held.announceAll();
    this.ticker = setInterval(() => this.tick(), this.tickMs);
    this.ticker.unref();
  }

  private tick(): void {
    const now = Date.now();
    this.fanout.held.sweep();
    if (this.leading) {
      this.table.expire(now, HEARTBEAT_MS * 10);
      // A node sent nothing for a poll interval gets a watermark: within the two intervals its check allows.
      this.sendSpans(this.table.take(now, this.config.relay.pollIntervalMs));
      return;
    }
    if (++this.ticks % Math.ceil(HEARTBEAT_MS / this.tickMs) === 0) this.fanout.held.heartbeat();
  }

  /**
   * This node leads the relay now: it keeps the route table, from what it has heard on. Not waited for: with Redis
   * away the relay leads on (the other nodes read the database meanwhile) and the nodes are greeted when it returns.
   */
  lead(): void {
    const held = this.fanout.held;
    const since = this.fanout.heardCursor;
    held.lead(since);
    this.table.reset(since);
    this.leading = true;
    const pubSub = this.redis.pubSub;
    if (!held.routed || !pubSub) return;
    pubSub
      .subscribe(this.channels.rooms, (message) => {
        if (!this.leading) return;
        // An acknowledgement or a resync goes at once, with whatever else is due (a flush a little early).
        if (this.table.learn(JSON.parse(message) as RouteAnnouncement, Date.now())) this.flush();
      })
      // Every node answers with its whole set.
      .then(() => pubSub.publish(this.channels.leader, held.node))
      .catch((error: unknown) => this.warn('could not greet the other nodes as the relay leader', error));
  }

  /** No longer the leader: sends what was gathered, then hands the rooms to whichever node leads next. */
  follow(): void {
    if (!this.leading) return;
    this.flush();
    this.leading = false;
    this.table.reset(0);
    this.redis.pubSub?.unsubscribe(this.channels.rooms).catch(() => undefined);
    this.fanout.held.follow();
  }

  publish(messages: readonly BusMessage[]): void {
    if (messages.length === 0) return;
    this.fanout.receive(messages);
    if (!this.leading || !this.fanout.held.routed) return;
    this.table.route(messages, (message) => this.roomRegistry.changeFor(message.envelope.type, message.envelope.payload));
    this.gathered += messages.length;
    const wait = this.config.relay.nodesFlushMs;
    if (wait === 0 || this.gathered >= NODES_FLUSH_EVENTS) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), wait);
  }

  /** Sends what was gathered for the other nodes now (a stopping leader hands over nothing half-sent). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.gathered = 0;
    if (this.leading) this.sendSpans(this.table.take(Date.now()));
  }

  /** The rooms the leader sends a node events for (operators' and specs' view of the table). */
  routedTo(node: string): string[] {
    return this.table.roomsOf(node);
  }

  private sendSpans(spans: readonly [string, NodeSpan][]): void {
    for (const [node, span] of spans) this.send(this.channels.node(node), span);
  }

  private send(channel: string, message: NodeSpan | RouteAnnouncement): void {
    const pubSub = this.redis.pubSub;
    if (!pubSub) return;
    // Not lost: a node that misses a span sees the gap at the next one (or its check) and reads the database;
    // an announcement that is lost shows in the next heartbeat.
    pubSub.publish(channel, JSON.stringify(message)).catch((error: unknown) => this.warn('could not send to the other nodes', error));
  }

  private warn(msg: string, error: unknown): void {
    this.logger.warn({ msg, error: error instanceof Error ? error.message : String(error) });
  }

  onModuleDestroy(): void {
    this.flush();
    clearInterval(this.ticker);
  }
}
