import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { CoreModule, type AppOptions } from './core.module.js';
import { EventsModule } from './events/events.module.js';
import { EscrowModule } from './modules/escrow/escrow.module.js';
import { FinanceModule } from './modules/finance/finance.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { SellerModule } from './modules/seller/seller.module.js';
import { ShopFamilyModule } from './modules/shop-family/shop-family.module.js';
import { UsersModule } from './modules/users/users.module.js';
import { OperationsModule } from './operations/operations.module.js';
import { PrismaModule } from './prisma/prisma.module.js';

export type { AppOptions };

/**
 * The whole API. Feature modules are listed here, where `nest g module <name> --project api` adds a new one;
 * `forRoot` adds the settings and the database URL.
 */
@Module({
  imports: [
    PrismaModule,
    OperationsModule,
    AuthModule,
    EventsModule,
    NotificationsModule,
    FinanceModule,
    UsersModule,
    ShopFamilyModule,
    EscrowModule,
    SellerModule,
  ],
})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(options)] };
  }
}
