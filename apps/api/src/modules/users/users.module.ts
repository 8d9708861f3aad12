import { Module } from '@nestjs/common';
import { EventsModule } from '../../events/events.module.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({ imports: [EventsModule], controllers: [UsersController], providers: [UsersService] })
export class UsersModule {}
