import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BROADCAST_AUDIENCE, rooms } from '@operate/shared';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { HeldRooms } from './held-rooms.js';
import { eventsBetween, firstAfter } from './events-by-audience.js';
import type { NodeSpan } from './node-routes.js';
import { OutboxRepository, type BusMessage } from './outbox.repository.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import { emitEnvelope } from '../gateway/socket-types.js';
import { SocketRoomRegistry } from '../gateway/socket-rooms.js';

/**
 * This node's delivery to its own sockets. Events arrive in cursor order: one by one (on the leader, and read from
 * the database) or in spans from the relay leader, each covering a cursor range with the events of it for this
 * node's rooms. The node keeps the last cursor it delivered, drops repeats (a new leader re-sends what it cannot
 * prove was delivered) and fetches any gap from the database first — retrying, in order, while the database is
 * unreachable — so a lost message is never a lost event. The last REPLAY_BUFFER_EVENTS events it received stay
 * in memory, so a client resuming from a recent cursor is replayed without a query.
 */
@Injectable()
export class EventFanout implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventFanout.name);
  private readonly queue: (BusMessage | NodeSpan)[] = [];
  /** Events sockets here may have missed because they joined a room before the leader routed it (see HeldRooms). */
  private readonly late: { room: string; after: number; upTo: number }[] = [];
  private processing = false;
  private last = 0;
  private repairAttempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Received events in cursor order, the newest last; trimmed in chunks to stay near the configured size. */
  private recent: BusMessage[] = [];
  /** Memory holds every event this node received with a cursor above this one. */
  private retainedFrom = 0;
  /** Which rooms the relay leader sends this node events for. */
  readonly held: HeldRooms;
  /** The same events by audience (room or *), each list in cursor order: a resume reads only its rooms' lists. */
  private recentByAudience = new Map<string, BusMessage[]>();

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly store: OutboxRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly roomRegistry: SocketRoomRegistry,
  ) {
    this.held = new HeldRooms(randomUUID(), Boolean(config.redisUrl), (room) => serverRef.get()?.sockets.adapter.rooms.has(room) ?? false);
  }

  async onModuleInit(): Promise<void> {
    this.last = (await this.store.progress()).deliveredCursor;
    this.retainedFrom = this.last;
  }

  /** The last cursor this node delivered to its sockets; everything up to it has been emitted here. */
  get lastCursor(): number {
    return this.last;
  }

  /** The highest cursor this node has heard of: delivered, or received and waiting its turn. */
  get heardCursor(): number {
    const newest = this.queue.at(-1);
    return Math.max(this.last, newest ? through(newest) : 0);
  }

  /** Memory holds every event this node received after this cursor (older ones are in the database). */
  get rememberedAfter(): number {
    return this.retainedFrom;
  }

  /** True if memory still holds every event this node received after `cursor`. */
  holdsSince(cursor: number): boolean {
    return cursor >= this.retainedFrom;
  }

  /**
   * The delivered events after `cursor` (up to lastCursor) for any of these audiences, in cursor order, if
   * memory holds all of them (and the leader has sent this node every event of each since then); otherwise
   * undefined and the caller reads the database.
   */
  deliveredSince(cursor: number, audiences: Iterable<string>): BusMessage[] | undefined {
    if (!this.holdsSince(cursor)) return undefined;
    const wanted = [...audiences];
    for (const audience of wanted) {
      const since = this.held.since(audience);
      if (since === undefined || since > cursor) return undefined;
    }
    return eventsBetween(this.recentByAudience, cursor, this.last, wanted);
  }

  /** Events in cursor order, each following the one before (the leader's own batches, reads from the database). */
  receive(messages: readonly BusMessage[]): void {
    // Not push(...messages): a batch of tens of thousands would overflow the stack as arguments.
    for (const message of messages) this.queue.push(message);
    void this.process();
  }

  /** A span from the relay leader: the events of its range for this node's rooms. */
  receiveSpan(span: NodeSpan): void {
    for (const { envelope } of span.messages) this.metrics.routed(envelope.type);
    this.queue.push(span);
    void this.process();
  }

  private async process(): Promise<void> {
    if (this.processing || this.retryTimer) return;
    this.processing = true;
    try {
      for (let item = this.queue[0]; item || this.late.length > 0; item = this.queue[0]) {
        if (this.late.length > 0) {
          if (!(await this.deliverLate())) return this.scheduleRetry();
          continue;
        }
        if (!item) break;
        const start = 'envelope' in item ? item.envelope.cursor - 1 : item.from;
        if (start > this.last && through(item) > this.last && !(await this.repairGap(start + 1))) {
          // Keep the order: nothing after the gap goes out before the gap itself. Try again shortly.
          return this.scheduleRetry();
        }
        this.queue.shift();
        if ('envelope' in item) {
          this.emit(item);
          continue;
        }
        for (const message of item.messages) this.emit(message);
        this.last = Math.max(this.last, item.through);
        if (item.acked) for (const late of this.held.acknowledge(item.acked)) this.late.push(late);
      }
    } finally {
      this.processing = false;
    }
  }

  /** Fetches and delivers the events between the last delivered one and `before`; false if it could not. */
  private repairGap(before: number): Promise<boolean> {
    return this.fromStore('could not repair a gap in the event stream; retrying', async () => {
      const missing = await this.store.range(this.last, before - 1);
      this.logger.warn({ msg: 'repaired a gap in the event stream', from: this.last + 1, to: before - 1, fetched: missing.length });
      this.metrics.eventsRepaired.inc({ found: 'gap' }, missing.length);
      for (const message of missing) this.emit(message);
      this.last = Math.max(this.last, before - 1);
    });
  }

  /**
   * Sockets here joined a room through a membership change before the leader routed that room here (it had just
   * taken over and not yet heard this node): the room's events in between are read and sent to it now, late but
   * not lost. Those this node received anyway (for another of their rooms) reached the room's sockets already.
   */
  private deliverLate(): Promise<boolean> {
    return this.fromStore('could not read events for a room joined early; retrying', async () => {
      const late = this.late[0];
      if (!late) return;
      const missed = await this.store.range(late.after, late.upTo, { audiences: [late.room] });
      const server = this.serverRef.get();
      for (const { envelope } of missed) {
        if (server && !this.remembered(envelope.cursor)) emitEnvelope(server.local.to(late.room), envelope);
      }
      this.logger.warn({ msg: 'sent a room events it joined before they were routed here', room: late.room, sent: missed.length });
      this.late.shift();
    });
  }

  /** Runs a read from the database the stream waits on; false (logged, counted for the retry's backoff) if it failed. */
  private async fromStore(failure: string, read: () => Promise<void>): Promise<boolean> {
    try {
      await read();
      this.repairAttempts = 0;
      return true;
    } catch (error) {
      this.repairAttempts++;
      this.logger.error({ msg: failure, attempt: this.repairAttempts, error: error instanceof Error ? error.message : String(error) });
      return false;
    }
  }

  private remembered(cursor: number): boolean {
    const index = firstAfter(this.recent, cursor - 1);
    return this.recent[index]?.envelope.cursor === cursor;
  }

  private scheduleRetry(): void {
    const delay = Math.min(100 * 2 ** this.repairAttempts, 5_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.process();
    }, delay);
    this.retryTimer.unref();
  }

  onModuleDestroy(): void {
    clearTimeout(this.retryTimer);
  }

  private emit(message: BusMessage): void {
    const { audiences, envelope } = message;
    const cursor = envelope.cursor;
    if (cursor <= this.last) return;
    const server = this.serverRef.get();
    if (server) {
      const everyone = audiences.includes(BROADCAST_AUDIENCE);
      // This node's rooms: a span brings only events for them, but the leader and a node reading the database get
      // every event, most of which have nobody here — those cost a lookup, not an encoded packet.
      const held = server.sockets.adapter.rooms;
      if (everyone ? server.sockets.sockets.size > 0 : audiences.some((audience) => held.has(audience))) {
        // Several rooms in one emit: a socket in more than one of them still gets the event once.
        emitEnvelope(everyone ? server.local : server.local.to([...audiences]), envelope);
        this.metrics.delivered(envelope.type, envelope.occurredAt, audiences);
      }
      const change = this.roomRegistry.changeFor(envelope.type, envelope.payload);
      if (change && held.has(rooms.user(change.userId))) {
        const sockets = server.local.in(rooms.user(change.userId));
        if (change.join) {
          sockets.socketsJoin(change.room);
          this.held.joined(change.room, cursor);
        } else sockets.socketsLeave(change.room);
      }
    }
    this.last = cursor;
    this.remember(message);
  }

  private remember(message: BusMessage): void {
    this.recent.push(message);
    for (const audience of message.audiences) {
      const list = this.recentByAudience.get(audience);
      if (list) list.push(message);
      else this.recentByAudience.set(audience, [message]);
    }
    const capacity = this.config.replayBufferEvents;
    if (this.recent.length > capacity + Math.ceil(capacity / 4)) this.forget(this.recent.length - capacity);
  }

  /** Drops the oldest `count` remembered events; they are the oldest of each audience's list too. */
  private forget(count: number): void {
    const forgotten = this.recent.splice(0, count);
    this.retainedFrom = Math.max(this.retainedFrom, forgotten.at(-1)?.envelope.cursor ?? 0);
    for (const message of forgotten) {
      for (const audience of message.audiences) {
        const list = this.recentByAudience.get(audience);
        if (!list) continue;
        list.shift();
        if (list.length === 0) this.recentByAudience.delete(audience);
      }
    }
  }
}

function through(item: BusMessage | NodeSpan): number {
  return 'envelope' in item ? item.envelope.cursor : item.through;
}
