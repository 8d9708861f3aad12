import { randomUUID } from 'node:crypto';
import type { INestApplication, INestApplicationContext, LoggerService, LogLevel } from '@nestjs/common';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Express, NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { createClient } from 'redis';
import type { Server, ServerOptions } from 'socket.io';
import { AppModule, type AppOptions } from './app.module.js';
import type { AppConfig } from './config/config.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { InputGuardPipe } from './common/input-guard.js';
import { createValidationPipe } from './common/validation.js';
import { Metrics } from './operations/metrics.service.js';
import { RedisLink, reportUnawaitedFailures, type Pingable, type PubSub } from './operations/redis-link.js';
import { ApiDocument } from './operations/api-docs.controller.js';
import { apiVersion, buildOpenApi } from './operations/openapi.js';

/** Hard cap on one socket.io frame; commands are checked against a much smaller limit with a coded error. */
const MAX_SOCKET_FRAME_BYTES = 100_000;
const UNAUTHENTICATED_CONNECTION_TIMEOUT_MS = 10_000;

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

const REDIS_CONNECT_TIMEOUT_MS = 5_000;
const REDIS_CLOSE_MS = 1_000;
const ADAPTER_FAILURE_LOG_MS = 5_000;

/**
 * Logs the adapter's commands lost with the Redis connection: the first at once, then at most one line per
 * ADAPTER_FAILURE_LOG_MS saying how many more (a reset loses every command in flight at once).
 */
function adapterFailureReport(logger: Logger): (command: string, error: unknown) => void {
  let quietUntil = 0;
  let more = 0;
  return (command, error) => {
    const now = Date.now();
    if (now < quietUntil) {
      more++;
      return;
    }
    logger.warn({
      msg: 'a socket adapter command was lost with the Redis connection',
      command,
      error: error instanceof Error ? error.message : String(error),
      lostSinceLastLine: more,
    });
    more = 0;
    quietUntil = now + ADAPTER_FAILURE_LOG_MS;
  };
}

class OperateIoAdapter extends IoAdapter {
  private redisAdapter: ReturnType<typeof createAdapter> | undefined;
  /** The publishing and subscribing connections, once connected: `/health` and the outbox tail watch them. */
  connections: Pingable[] = [];
  /** The relay's channels between nodes, on the same two connections. */
  pubSub: PubSub | undefined;
  private readonly redisClients: { readonly isOpen: boolean; close(): Promise<unknown>; destroy(): void }[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  /** With REDIS_URL, joins this node to the others through the socket.io Redis adapter. */
  async connectToRedis(): Promise<void> {
    const url = this.config.redisUrl;
    if (!url) return;
    const logger = new Logger('Redis');
    const pub = createClient({ url, socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) } });
    const sub = pub.duplicate();
    for (const client of [pub, sub]) {
      client.on('error', (error: Error) => logger.warn({ msg: 'redis connection problem', error: error.message }));
      this.redisClients.push(client);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RedisUnavailableError(`Cannot connect to Redis in REDIS_URL (${new URL(url).host}) within ${REDIS_CONNECT_TIMEOUT_MS} ms`),
          ),
        REDIS_CONNECT_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([Promise.all([pub.connect(), sub.connect()]), timeout]);
    } catch (error) {
      // Still retrying: drop the sockets now rather than wait for a server that is not there.
      for (const client of this.redisClients) client.destroy();
      this.redisClients.length = 0;
      throw error;
    } finally {
      clearTimeout(timer);
    }
    // The relay's own channels await every command and handle its failure (before the adapter's wrapping).
    const [publish, subscribe, unsubscribe] = [pub.publish.bind(pub), sub.subscribe.bind(sub), sub.unsubscribe.bind(sub)];
    this.pubSub = {
      publish: (channel, message) => publish(channel, message),
      subscribe: (channel, listener) => subscribe(channel, listener),
      unsubscribe: (channel) => unsubscribe(channel),
    };
    const report = adapterFailureReport(logger);
    this.redisAdapter = createAdapter(reportUnawaitedFailures(pub, report), reportUnawaitedFailures(sub, report), {
      key: `${this.config.redisKeyPrefix}:socket.io`,
      // A node's answer to another's question (presence's fetchSockets) goes to the asking node only, not to every node
      // to be parsed and dropped. Every node listens on its own channel whatever this says: nodes mixing both can talk.
      publishOnSpecificResponseChannel: true,
    });
    this.connections = [pub, sub];
  }

  override createIOServer(port: number, options?: ServerOptions) {
    const overrides: Partial<ServerOptions> = {
      cors: { origin: [...this.config.corsOrigins], credentials: true },
      maxHttpBufferSize: MAX_SOCKET_FRAME_BYTES,
      // A connection that has not sent its handshake (with the token) by then is closed (socket.io's default is 45 s).
      connectTimeout: UNAUTHENTICATED_CONNECTION_TIMEOUT_MS,
      serveClient: false,
    };
    const server: Server = super.createIOServer(port, { ...options, ...overrides } as ServerOptions);
    if (this.redisAdapter) server.adapter(this.redisAdapter);
    return server;
  }

  /**
   * The gateway declares no message handlers (one validated `onAny` dispatch per socket runs the commands), yet
   * Nest's adapter would build an rxjs disconnect stream for every socket regardless: a dozen closures, ~1.5 KB
   * of heap a connection, never used.
   */
  override bindMessageHandlers(...args: Parameters<IoAdapter['bindMessageHandlers']>): void {
    if (args[1].length > 0) super.bindMessageHandlers(...args);
  }

  /** The gateway listens for disconnects itself, with one function for every socket (see EventsGateway). */
  override bindClientDisconnect(): void {}

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await this.disconnectRedis();
  }

  /** Closes politely (pending replies first), for at most REDIS_CLOSE_MS: a half-open connection never answers. */
  private async disconnectRedis(): Promise<void> {
    await Promise.all(
      this.redisClients
        .filter((client) => client.isOpen)
        .map(async (client) => {
          let timer: NodeJS.Timeout | undefined;
          const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, REDIS_CLOSE_MS)));
          await Promise.race([client.close().catch(() => undefined), waited]);
          clearTimeout(timer);
          if (client.isOpen) client.destroy();
        }),
    );
    this.redisClients.length = 0;
  }
}

export function createLogger(config: AppConfig, levels?: LogLevel[]): LoggerService {
  return new ConsoleLogger({ json: config.env === 'production', logLevels: levels ?? ['log', 'error', 'warn'] });
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `x-request-id` when it is a plain token, else a new one), returns
 * it in the response header and logs one structured line per request when the response is sent (at debug
 * level outside production).
 */
function requestLog(config: AppConfig, metrics: Metrics) {
  const logger = new Logger('Http');
  // A line per request belongs in production's JSON stream; in a development console it would bury the rest.
  const write = config.env === 'production' ? logger.log.bind(logger) : logger.debug.bind(logger);
  return (request: Request, response: Response, next: NextFunction) => {
    const given = request.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    const started = performance.now();
    response.setHeader('x-request-id', requestId);
    response.on('finish', () => {
      const ms = performance.now() - started;
      // The matched pattern (`/invoices/:id`), never the path itself: metric labels stay a bounded set.
      const route = (request.route as { path?: string } | undefined)?.path;
      metrics.answered(request.method, route ? `${request.baseUrl}${route}` : 'unmatched', response.statusCode, ms / 1000);
      write({
        msg: 'request',
        requestId,
        method: request.method,
        path: request.path,
        status: response.statusCode,
        ms: Math.round(ms * 10) / 10,
      });
    });
    next();
  };
}

/** Everything main.ts does to the app besides listening: the tests boot the same thing. */
export async function configureApp(app: INestApplication, config: AppConfig): Promise<void> {
  const ioAdapter = new OperateIoAdapter(app, config);
  await ioAdapter.connectToRedis();
  if (ioAdapter.connections.length > 0) app.get(RedisLink).attach(ioAdapter.connections, ioAdapter.pubSub);
  app.useWebSocketAdapter(ioAdapter);
  // The same trust function the socket handshakes use: request.ip is the client behind a trusted proxy.
  (app.getHttpAdapter().getInstance() as Express).set('trust proxy', config.trustProxy);
  app.use(helmet());
  app.use(requestLog(config, app.get(Metrics)));
  app.enableCors({ origin: [...config.corsOrigins], credentials: true });
  app.useGlobalPipes(new InputGuardPipe(), createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.get(ApiDocument).attach(() => buildOpenApi(app, apiVersion()));
}

export async function createApp(options: AppOptions & { logger?: LoggerService | false }): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    logger: options.logger ?? createLogger(options.config),
    // Keeps each JSON body's raw bytes (request.rawBody): the payment webhook's signature is over them.
    rawBody: true,
  });
  try {
    await configureApp(app, options.config);
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
