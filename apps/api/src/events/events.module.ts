import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { EventsGateway } from './events.gateway.js';
import { EventsService } from './events.service.js';
import { SocketCommandRegistry } from './socket-commands.js';
import { SocketServerRef } from './socket-server.ref.js';

/** Import it to inject EventsService (and SocketCommandRegistry to answer a new client command). */
@Module({
  imports: [AuthModule],
  providers: [EventsGateway, EventsService, SocketServerRef, SocketCommandRegistry],
  exports: [EventsService, SocketCommandRegistry],
})
export class EventsModule {}
