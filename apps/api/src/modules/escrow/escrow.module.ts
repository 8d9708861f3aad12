import { Module, type OnModuleInit } from '@nestjs/common';
import { Topic } from '@operate/shared';
import { EventsModule } from '../../events/events.module.js';
import { SocketSubscriptions } from '../../events/gateway/socket-subscriptions.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { SellerModule } from '../seller/seller.module.js';
import { EscrowController, PaymentWebhookController } from './escrow.controller.js';
import { EscrowService } from './escrow.service.js';
import { PaymentSignatureGuard } from './payment-signature.js';

@Module({
  imports: [EventsModule, NotificationsModule, SellerModule],
  controllers: [EscrowController, PaymentWebhookController],
  providers: [EscrowService, PaymentSignatureGuard],
})
export class EscrowModule implements OnModuleInit {
  constructor(
    private readonly subscriptions: SocketSubscriptions,
    private readonly escrows: EscrowService,
  ) {}

  /** The escrow topic (`subscribe { topic: 'escrow', escrowId }`, and in `auth.subscriptions`): a party, or an admin of a party's organization. */
  onModuleInit(): void {
    this.subscriptions.registerTopic(Topic.Escrow, async (user, subscriptions) => {
      const followable = await this.escrows.followable(
        user,
        subscriptions.map((subscription) => subscription.escrowId),
      );
      return subscriptions.map((subscription) => followable.has(subscription.escrowId));
    });
  }
}
