import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { EventBus } from './delivery/event-bus.js';
import { CommandDispatcher } from './gateway/command-dispatcher.js';
import { EventsGateway } from './gateway/events.gateway.js';
import { SocketAttachment } from './gateway/socket-attachment.js';
import { SocketConnections } from './gateway/socket-connections.js';
import { SocketHandshake } from './gateway/socket-handshake.js';
import { TokenExpiry } from './gateway/token-expiry.js';
import { EventsService } from './events.service.js';
import { EventFanout } from './delivery/fanout.service.js';
import { HandshakeLimits } from './gateway/handshake-limits.js';
import { OutboxRepository } from './delivery/outbox.repository.js';
import { OutboxTail } from './delivery/outbox-tail.js';
import { PresenceController } from './presence/presence.controller.js';
import { PresenceService } from './presence/presence.service.js';
import { RelayService } from './delivery/relay.service.js';
import { ReplayService } from './delivery/replay.service.js';
import { RetentionService } from './delivery/retention.service.js';
import { SocketCommandRegistry } from './gateway/socket-commands.js';
import { SocketRoomRegistry } from './gateway/socket-rooms.js';
import { SocketServerRef } from './gateway/socket-server.ref.js';
import { SocketSessions } from './gateway/socket-sessions.service.js';
import { SocketSubscriptions } from './gateway/socket-subscriptions.js';

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
    SocketHandshake,
    SocketConnections,
    CommandDispatcher,
    TokenExpiry,
    SocketAttachment,
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
    OutboxTail,
    ReplayService,
    RetentionService,
  ],
  exports: [EventsService, SocketCommandRegistry, SocketRoomRegistry, SocketSubscriptions],
})
export class EventsModule {}
