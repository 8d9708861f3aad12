import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { EventFanout } from './fanout.service.js';
import type { BusMessage } from './outbox.repository.js';
import { SocketServerRef } from '../gateway/socket-server.ref.js';
import type { InterServerEvents, OperateServer } from '../gateway/socket-types.js';

/** The server-to-server event that carries relayed events to the other API nodes. */
export const BUS_EVENT = 'operate:events' satisfies keyof InterServerEvents;

/**
 * Carries relayed events from the relay leader to every node, itself included. With several nodes it
 * rides on the socket.io Redis adapter's server-side channel; one publisher keeps the order.
 */
@Injectable()
export class EventBus {
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
    const server = this.serverRef.get();
    if (this.config.redisUrl && server) server.serverSideEmit(BUS_EVENT, messages);
  }
}
