import { Module } from '@nestjs/common';
import { EventsModule } from '../../events/events.module.js';
import { NotificationsService } from './notifications.service.js';

@Module({
  imports: [EventsModule],
  providers: [NotificationsService],
  exports: [NotificationsService],
})
export class NotificationsModule {}
