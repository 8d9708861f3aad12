import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { EventFanout } from './fanout.service.js';
import type { BusMessage } from './outbox.repository.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import type { InterServerEvents, OperateServer } from '../gateway/socket-types.js';

/** The server-to-server event that carries relayed events to the other API nodes. */
export const BUS_EVENT = 'operate:events' satisfies keyof InterServerEvents;

/** Events gathered for the other nodes beyond this many go out at once, whatever the flush interval. */
const NODES_FLUSH_EVENTS = 1_000;

/**
 * Carries relayed events from the relay leader to every node, itself included. With several nodes it
 * rides on the socket.io Redis adapter's server-side channel; one publisher keeps the order. Every node
 * pays for each Redis message it receives whatever it holds, so the leader gathers events for the others
 * over RELAY_NODES_FLUSH_MS into one message; its own sockets get each batch at once.
 */
@Injectable()
export class EventBus implements OnModuleDestroy {
  private readonly logger = new Logger(EventBus.name);
  private pending: BusMessage[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly fanout: EventFanout,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // Once the socket server exists: listen for what the leader on another node sends.
    serverRef.whenReady((server: OperateServer) => {
      if (this.config.redisUrl) server.on(BUS_EVENT, (messages) => this.fanout.receive(messages));
    });
  }

  publish(messages: readonly BusMessage[]): void {
    if (messages.length === 0) return;
    this.fanout.receive(messages);
    if (!this.config.redisUrl) return;
    for (const message of messages) this.pending.push(message);
    const wait = this.config.relay.nodesFlushMs;
    if (wait === 0 || this.pending.length >= NODES_FLUSH_EVENTS) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), wait);
  }

  /** Sends what was gathered for the other nodes now (a stopping leader hands over nothing half-sent). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const messages = this.pending;
    if (messages.length === 0) return;
    this.pending = [];
    try {
      this.serverRef.get()?.serverSideEmit(BUS_EVENT, messages);
    } catch (error) {
      // Not lost: a node that misses them reads them from the database (OutboxTail compares what it heard).
      this.logger.warn({ msg: 'could not send events to the other nodes', error: error instanceof Error ? error.message : String(error) });
    }
  }

  onModuleDestroy(): void {
    this.flush();
  }
}
