import type { INestApplication, INestApplicationContext, LoggerService, LogLevel } from '@nestjs/common';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ServerOptions } from 'socket.io';
import { AppModule, type AppOptions } from './app.module.js';
import type { AppConfig } from './config/config.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { createValidationPipe } from './common/validation.js';

/** Hard cap on one socket.io frame; commands are checked against a much smaller limit with a coded error. */
const MAX_SOCKET_FRAME_BYTES = 100_000;

class OperateIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions) {
    const overrides: Partial<ServerOptions> = {
      cors: { origin: [...this.config.corsOrigins], credentials: true },
      maxHttpBufferSize: MAX_SOCKET_FRAME_BYTES,
      serveClient: false,
    };
    return super.createIOServer(port, { ...options, ...overrides } as ServerOptions);
  }
}

export function createLogger(config: AppConfig, levels?: LogLevel[]): LoggerService {
  return new ConsoleLogger({ json: config.env === 'production', logLevels: levels ?? ['log', 'error', 'warn'] });
}

/** Everything main.ts does to the app besides listening: the tests boot the same thing. */
export function configureApp(app: INestApplication, config: AppConfig): void {
  app.useWebSocketAdapter(new OperateIoAdapter(app, config));
  app.enableCors({ origin: [...config.corsOrigins], credentials: true });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
}

export async function createApp(options: AppOptions & { logger?: LoggerService | false }): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    logger: options.logger ?? createLogger(options.config),
  });
  configureApp(app, options.config);
  return app;
}
