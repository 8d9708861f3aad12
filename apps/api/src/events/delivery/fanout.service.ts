import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BROADCAST_AUDIENCE, rooms } from '@operate/shared';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { OutboxRepository, type BusMessage } from './outbox.repository.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import { emitEnvelope } from '../gateway/socket-types.js';
import { SocketRoomRegistry } from '../gateway/socket-rooms.js';

/**
 * This node's delivery to its own sockets. Messages arrive from the relay leader in cursor order; the
 * node keeps the last cursor it delivered, drops repeats (a new leader re-sends what it cannot prove was
 * delivered) and fetches any gap from the database first — retrying, in order, while the database is
 * unreachable — so a lost bus message is never a lost event. The last REPLAY_BUFFER_EVENTS delivered
 * events stay in memory, so a client resuming from a recent cursor is replayed without a query.
 */
@Injectable()
export class EventFanout implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventFanout.name);
  private readonly queue: BusMessage[] = [];
  private processing = false;
  private last = 0;
  private repairAttempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Delivered events in cursor order, the newest last; trimmed in chunks to stay near the configured size. */
  private recent: BusMessage[] = [];
  /** The same events by audience (room or *), each list in cursor order: a resume reads only its rooms' lists. */
  private recentByAudience = new Map<string, BusMessage[]>();

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly store: OutboxRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly roomRegistry: SocketRoomRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.last = (await this.store.progress()).deliveredCursor;
  }

  /** The last cursor this node delivered to its sockets; everything up to it has been emitted here. */
  get lastCursor(): number {
    return this.last;
  }

  /** The highest cursor this node has heard of: delivered, or received and waiting its turn. */
  get heardCursor(): number {
    return Math.max(this.last, this.queue.at(-1)?.envelope.cursor ?? 0);
  }

  /** True if memory holds every event this node delivered after `cursor`. */
  holdsSince(cursor: number): boolean {
    if (cursor >= this.last) return true;
    const oldest = this.recent[0]?.envelope.cursor;
    return oldest !== undefined && oldest <= cursor + 1;
  }

  /**
   * The delivered events after `cursor` (up to lastCursor) for any of these audiences, in cursor order, if
   * memory still holds all of them; otherwise undefined and the caller reads the database.
   */
  deliveredSince(cursor: number, audiences: Iterable<string>): BusMessage[] | undefined {
    if (!this.holdsSince(cursor)) return undefined;
    const found = new Map<number, BusMessage>();
    for (const audience of audiences) {
      const list = this.recentByAudience.get(audience) ?? [];
      for (let index = firstAfter(list, cursor); index < list.length; index++) {
        const message = list[index] as BusMessage;
        found.set(message.envelope.cursor, message);
      }
    }
    return [...found.values()].sort((a, b) => a.envelope.cursor - b.envelope.cursor);
  }

  receive(messages: readonly BusMessage[]): void {
    // Not push(...messages): a batch of tens of thousands would overflow the stack as arguments.
    for (const message of messages) this.queue.push(message);
    void this.process();
  }

  private async process(): Promise<void> {
    if (this.processing || this.retryTimer) return;
    this.processing = true;
    try {
      for (let message = this.queue[0]; message; message = this.queue[0]) {
        const cursor = message.envelope.cursor;
        if (cursor > this.last + 1 && !(await this.repairGap(cursor))) {
          // Keep the order: nothing after the gap goes out before the gap itself. Try again shortly.
          this.scheduleRetry();
          return;
        }
        this.queue.shift();
        this.emit(message);
      }
    } finally {
      this.processing = false;
    }
  }

  /** Fetches and delivers the events between the last delivered one and `before`; false if it could not. */
  private async repairGap(before: number): Promise<boolean> {
    try {
      const missing = await this.store.range(this.last, before - 1);
      this.logger.warn({ msg: 'repaired a gap in the event stream', from: this.last + 1, to: before - 1, fetched: missing.length });
      this.metrics.eventsRepaired.inc({ found: 'gap' }, missing.length);
      for (const message of missing) this.emit(message);
      this.repairAttempts = 0;
      return true;
    } catch (error) {
      this.repairAttempts++;
      this.logger.error({
        msg: 'could not repair a gap in the event stream; retrying',
        attempt: this.repairAttempts,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
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
      // This node's rooms: every node hears every event, most of which have nobody here — those cost a lookup,
      // not an encoded packet.
      const held = server.sockets.adapter.rooms;
      if (everyone ? server.sockets.sockets.size > 0 : audiences.some((audience) => held.has(audience))) {
        // Several rooms in one emit: a socket in more than one of them still gets the event once.
        emitEnvelope(everyone ? server.local : server.local.to([...audiences]), envelope);
        this.metrics.delivered(envelope.type, envelope.occurredAt, audiences);
      }
      const change = this.roomRegistry.changeFor(envelope.type, envelope.payload);
      if (change && held.has(rooms.user(change.userId))) {
        const sockets = server.local.in(rooms.user(change.userId));
        if (change.join) sockets.socketsJoin(change.room);
        else sockets.socketsLeave(change.room);
      }
    }
    this.last = cursor;
    this.remember(message);
  }

  private remember(message: BusMessage): void {
    const previous = this.recent.at(-1)?.envelope.cursor;
    // Only an unbroken run can answer "everything since": after a jump, start the run again.
    if (previous !== undefined && message.envelope.cursor !== previous + 1) {
      this.recent = [];
      this.recentByAudience.clear();
    }
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
    for (const message of this.recent.splice(0, count)) {
      for (const audience of message.audiences) {
        const list = this.recentByAudience.get(audience);
        if (!list) continue;
        list.shift();
        if (list.length === 0) this.recentByAudience.delete(audience);
      }
    }
  }
}

/** Index of the first message with a cursor above `cursor` in a cursor-ordered list. */
function firstAfter(list: readonly BusMessage[], cursor: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle]?.envelope.cursor ?? Number.POSITIVE_INFINITY) <= cursor) low = middle + 1;
    else high = middle;
  }
  return low;
}
