import { Module, type OnModuleInit } from '@nestjs/common';
import { FamilyChange, FamilyEvent, rooms } from '@operate/shared';
import { EventsModule } from '../../events/events.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { SocketRoomRegistry } from '../../events/gateway/socket-rooms.js';
import { FamiliesService, familyIdsOf } from './families.service.js';
import { FamiliesController, ShopController, WalletController } from './shop-family.controller.js';
import { ShopService } from './shop.service.js';

@Module({
  imports: [EventsModule, NotificationsModule],
  controllers: [ShopController, WalletController, FamiliesController],
  providers: [ShopService, FamiliesService],
})
export class ShopFamilyModule implements OnModuleInit {
  constructor(private readonly roomRegistry: SocketRoomRegistry) {}

  /** A socket joins (and is replayed) the rooms of the families its user belongs to, read at each connect. */
  onModuleInit(): void {
    this.roomRegistry.registerColumn({ ids: familyIdsOf, room: (id) => rooms.family(id) });
    // Joined or removed between two connects: the person's live sockets follow, in the stream's order.
    this.roomRegistry.onDelivered(FamilyEvent.MemberChanged, ({ change, userId, familyId }) =>
      change === FamilyChange.RoleChanged ? undefined : { userId, room: rooms.family(familyId), join: change === FamilyChange.Added },
    );
  }
}
