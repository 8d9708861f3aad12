import { Controller, Get, Header, HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/decorators.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { Metrics } from './metrics.service.js';
import { RedisLink } from './redis-link.js';

const CHECK_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** For load balancers and Prometheus: no token (keep them on an internal network). */
@Public()
@Controller()
export class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly redis: RedisLink,
    private readonly metrics: Metrics,
  ) {}

  /** 200 when the database (and Redis, when this node uses it) answer; 503 with which one did not. */
  @Get('health')
  @HealthCheck()
  async check() {
    try {
      return await this.runChecks();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Terminus's report, in the API's error shape: the code, what is down, then its details.
      const report = error.getResponse() as { error?: Record<string, unknown> };
      const down = Object.keys(report.error ?? {});
      throw new HttpException(
        { statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: 'unhealthy', message: `Down: ${down.join(', ')}`, ...report },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
  }

  private runChecks() {
    return this.health.check([
      async () => {
        const database = this.indicators.check('database');
        try {
          await within(this.prisma.rows('SELECT 1', []), 'The database');
          return database.up();
        } catch (error) {
          return database.down({ message: error instanceof Error ? error.message : String(error) });
        }
      },
      async () => {
        const redis = this.indicators.check('redis');
        const client = this.redis.current;
        if (!client) return redis.up({ message: 'not used (single node)' });
        try {
          if (!client.isReady) throw new Error('Redis is reconnecting');
          await within(client.ping(), 'Redis');
          return redis.up();
        } catch (error) {
          return redis.down({ message: error instanceof Error ? error.message : String(error) });
        }
      },
    ]);
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
