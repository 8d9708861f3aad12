import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BROADCAST_AUDIENCE, type EventName } from '@operate/shared';
import { EventStore, type BusMessage } from './outbox.js';
import { SocketServerRef } from './socket-server.ref.js';

/**
 * This node's delivery to its own sockets. Messages arrive from the relay leader in cursor order; the
 * node keeps the last cursor it delivered, drops repeats (a new leader re-sends what it cannot prove was
 * delivered) and fetches any gap from the database first — retrying, in order, while the database is
 * unreachable — so a lost bus message is never a lost event.
 */
@Injectable()
export class EventFanout implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventFanout.name);
  private readonly queue: BusMessage[] = [];
  private processing = false;
  private last = 0;
  private repairAttempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly store: EventStore,
  ) {}

  async onModuleInit(): Promise<void> {
    this.last = (await this.store.progress()).deliveredCursor;
  }

  /** The last cursor this node delivered to its sockets; everything up to it has been emitted here. */
  get lastCursor(): number {
    return this.last;
  }

  receive(messages: readonly BusMessage[]): void {
    this.queue.push(...messages);
    void this.process();
  }

  private async process(): Promise<void> {
    if (this.processing || this.retryTimer) return;
    this.processing = true;
    try {
      for (let message = this.queue[0]; message; message = this.queue[0]) {
        const cursor = message.envelope.cursor as number;
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

  private emit({ audiences, envelope }: BusMessage): void {
    const cursor = envelope.cursor as number;
    if (cursor <= this.last) return;
    const server = this.serverRef.get();
    if (server) {
      // Several rooms in one emit: a socket in more than one of them still gets the event once.
      const target = audiences.includes(BROADCAST_AUDIENCE) ? server.local : server.local.to([...audiences]);
      // socket.io's typed emit wants one concrete event name; the envelope was checked at publish.
      (target.emit as (event: EventName, payload: unknown) => boolean).call(target, envelope.type, envelope);
    }
    this.last = cursor;
  }
}
