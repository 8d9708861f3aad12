import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { EventsModule } from './events/events.module.js';
import { EscrowModule } from './modules/escrow/escrow.module.js';
import { FinanceModule } from './modules/finance/finance.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { SellerModule } from './modules/seller/seller.module.js';
import { ShopFamilyModule } from './modules/shop-family/shop-family.module.js';
import { UsersModule } from './modules/users/users.module.js';
import { OperationsModule } from './operations/operations.module.js';
import { PrismaModule } from './prisma/prisma.module.js';
import { DATABASE_URL } from './prisma/prisma.service.js';

export interface AppOptions {
  readonly config: AppConfig;
  /** A PostgreSQL URL: the real server's, or the embedded one's (see openDatabase). */
  readonly databaseUrl: string;
}

/** Makes the validated config and the database URL injectable everywhere. */
@Global()
@Module({})
class CoreModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: DATABASE_URL, useValue: options.databaseUrl },
      ],
      exports: [APP_CONFIG, DATABASE_URL],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options),
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
    };
  }
}
