import { Module } from '@nestjs/common';
import { EventsModule } from '../../events/events.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { InvoicesController } from './invoices.controller.js';
import { InvoicesService } from './invoices.service.js';
import { OverdueSweeper } from './overdue.sweeper.js';

@Module({
  imports: [EventsModule, NotificationsModule],
  controllers: [InvoicesController],
  providers: [InvoicesService, OverdueSweeper],
  exports: [InvoicesService],
})
export class FinanceModule {}
