import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { EventBus } from './event-bus.js';
import { EventsGateway } from './events.gateway.js';
import { EventsService } from './events.service.js';
import { EventFanout } from './fanout.service.js';
import { HandshakeLimits } from './handshake-limits.js';
import { OutboxRepository } from './outbox.repository.js';
import { PresenceController } from './presence.controller.js';
import { PresenceService } from './presence.service.js';
import { RelayService } from './relay.service.js';
import { ReplayService } from './replay.service.js';
import { RetentionService } from './retention.service.js';
import { SocketCommandRegistry } from './socket-commands.js';
import { SocketRoomRegistry } from './socket-rooms.js';
import { SocketServerRef } from './socket-server.ref.js';
import { SocketSessions } from './socket-sessions.service.js';
import { SocketSubscriptions } from './socket-subscriptions.js';

/**
 * Import it to inject EventsService (publish), SocketCommandRegistry (answer a new client command),
 * SocketRoomRegistry (put sockets in a feature's rooms), or SocketSubscriptions (rooms a socket opts into, such as one
 * escrow). Nothing outside this module touches the socket server; ended sessions reach it through auth's
 * SessionRevocations.
 */
@Module({
  imports: [AuthModule],
  controllers: [PresenceController],
  providers: [
    PresenceService,
    EventsGateway,
    HandshakeLimits,
    EventsService,
    SocketServerRef,
    SocketCommandRegistry,
    SocketRoomRegistry,
    SocketSessions,
    SocketSubscriptions,
    OutboxRepository,
    EventFanout,
    EventBus,
    RelayService,
    ReplayService,
    RetentionService,
  ],
  exports: [EventsService, SocketCommandRegistry, SocketRoomRegistry, SocketSubscriptions],
})
export class EventsModule {}
