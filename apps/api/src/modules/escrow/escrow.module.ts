import { Module, type OnModuleInit } from '@nestjs/common';
import { ClientCommand, Topic } from '@operate/shared';
import { EventsModule } from '../../events/events.module.js';
import { SocketCommandRegistry } from '../../events/gateway/socket-commands.js';
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
    private readonly commands: SocketCommandRegistry,
    private readonly subscriptions: SocketSubscriptions,
    private readonly escrows: EscrowService,
  ) {}

  /** `escrow.subscribe` / `escrow.unsubscribe`, and `auth.subscriptions` on reconnect: a party, or an admin of a party's organization. */
  onModuleInit(): void {
    this.subscriptions.registerTopic(Topic.Escrow, async (user, subscriptions) => {
      const followable = await this.escrows.followable(
        user,
        subscriptions.map((subscription) => subscription.escrowId),
      );
      return subscriptions.map((subscription) => followable.has(subscription.escrowId));
    });
    this.commands.register(ClientCommand.EscrowSubscribe, (socket, { escrowId }) =>
      this.subscriptions.subscribe(socket, { topic: Topic.Escrow, escrowId }),
    );
    this.commands.register(ClientCommand.EscrowUnsubscribe, (socket, { escrowId }) =>
      this.subscriptions.unsubscribe(socket, { topic: Topic.Escrow, escrowId }),
    );
  }
}
