import { Controller, Get, Header, HttpException, HttpStatus } from '@nestjs/common';
import { z } from 'zod';
import { Public } from '../auth/decorators.js';
import { ApiError } from '../common/http-errors.js';
import { Returns } from '../common/openapi.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { Lifecycle } from './lifecycle.js';
import { RedisLink } from './redis-link.js';

const CHECK_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const check = z.object({ status: z.enum(['up', 'down', 'unused']), message: z.string().optional() });
type Check = z.infer<typeof check>;
const healthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  draining: z.boolean(),
  checks: z.object({ database: check, redis: check }),
});
const probe = z.object({ status: z.literal('ok') });

/**
 * For load balancers and orchestrators (no token). `/health/live`: the process answers (restart it if not).
 * `/health/ready`: send it clients — the database answers and it is not draining. `/health`: the whole picture;
 * 503 only without the database: without Redis a node still serves its own clients, reading events from the
 * database, so it reports `degraded` and stays in the pool.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisLink,
    private readonly lifecycle: Lifecycle,
  ) {}

  /** 200 while the process answers; nothing else is checked. */
  @Get('live')
  @Header('cache-control', 'no-store')
  @Returns(probe)
  live() {
    return { status: 'ok' as const };
  }

  /** 200 when the database answers and the node is not draining; 503 `not_ready` otherwise, saying why. */
  @Get('ready')
  @Header('cache-control', 'no-store')
  @Returns(probe)
  async ready() {
    if (this.lifecycle.draining) throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'not_ready', 'Draining: this node is shutting down');
    const database = await this.database();
    if (database.status !== 'up') throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'not_ready', `Database down: ${database.message}`);
    return { status: 'ok' as const };
  }

  /** The database and Redis: 200 `ok` or `degraded` (Redis away), 503 `unhealthy` when the database is down. */
  @Get()
  @Header('cache-control', 'no-store')
  @Returns(healthReport)
  async report() {
    const [database, redis] = await Promise.all([this.database(), this.redisCheck()]);
    const report = { status: redis.status === 'down' ? 'degraded' : 'ok', draining: this.lifecycle.draining, checks: { database, redis } };
    if (database.status === 'down') {
      const message = `Down: database${redis.status === 'down' ? ', redis' : ''}`;
      // The API's error shape, then the report: what is down and why.
      throw new HttpException(
        { statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: 'unhealthy', message, ...report },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    return report;
  }

  private async database(): Promise<Check> {
    try {
      await within(this.prisma.rows('SELECT 1', []), 'The database');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private async redisCheck(): Promise<Check> {
    const client = this.redis.current;
    if (!client) return { status: 'unused', message: 'single node' };
    try {
      if (!this.redis.ready) throw new Error('Redis is reconnecting');
      await within(client.ping(), 'Redis');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', message: error instanceof Error ? error.message : String(error) };
    }
  }
}
