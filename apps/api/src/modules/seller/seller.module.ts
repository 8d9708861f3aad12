import { Module, type OnModuleInit } from '@nestjs/common';
import { Topic } from '@operate/shared';
import { EventsModule } from '../../events/events.module.js';
import { SocketSubscriptions } from '../../events/gateway/socket-subscriptions.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { MarketplaceService } from './marketplace.service.js';
import { OrdersService } from './orders.service.js';
import { SellerAnalyticsService } from './seller-analytics.service.js';
import { ListingsController, OrdersController, SellersController } from './seller.controller.js';
import { SellersService } from './sellers.service.js';

@Module({
  imports: [EventsModule, NotificationsModule],
  controllers: [SellersController, ListingsController, OrdersController],
  providers: [SellersService, MarketplaceService, OrdersService, SellerAnalyticsService],
  exports: [OrdersService],
})
export class SellerModule implements OnModuleInit {
  constructor(private readonly subscriptions: SocketSubscriptions) {}

  /** The marketplace topic (`subscribe { topic: 'marketplace' }`): open to every signed-in user. */
  onModuleInit(): void {
    this.subscriptions.registerTopic(Topic.Marketplace, (_user, subscriptions) => Promise.resolve(subscriptions.map(() => true)));
  }
}
