import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { DATABASE_URL } from './prisma/prisma.service.js';

export interface AppOptions {
  readonly config: AppConfig;
  /** A PostgreSQL URL: the real server's, or the embedded one's (see openDatabase). */
  readonly databaseUrl: string;
}

/** Makes the validated config and the database URL injectable everywhere. */
@Global()
@Module({})
export class CoreModule {
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
