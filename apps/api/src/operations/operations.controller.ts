import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, HttpException, HttpStatus, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { z } from 'zod';
import { Public } from '../auth/decorators.js';
import { Returns } from '../common/openapi.js';
import { ApiError } from '../common/http-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { Metrics } from './metrics.service.js';
import { RedisLink } from './redis-link.js';

const CHECK_TIMEOUT_MS = 2_000;

const indicatorResults = z.record(z.string(), z.looseObject({ status: z.enum(['up', 'down']) }));
/** Terminus's report: every indicator's status (`database`, and `redis` when this node uses Redis). */
const healthReport = z.object({ status: z.literal('ok'), info: indicatorResults, error: indicatorResults, details: indicatorResults });

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** For load balancers (`/health`, no token) and Prometheus (`/metrics`, the operator's METRICS_SECRET as a bearer token). */
@Public()
@Controller()
export class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly redis: RedisLink,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 200 when the database (and Redis, when this node uses it) answer; 503 with which one did not. */
  @Get('health')
  // Documented by `Returns` below: terminus's own description depends on how @nestjs/swagger was loaded.
  @HealthCheck({ swaggerDocumentation: false })
  @Returns(healthReport)
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

  /** Prometheus text for the operator (`Authorization: Bearer <METRICS_SECRET>`; 403 `metrics_disabled` while unset). */
  @Get('metrics')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const secret = this.config.metricsSecret;
    if (secret === undefined) throw new ApiError(HttpStatus.FORBIDDEN, 'metrics_disabled', 'Set METRICS_SECRET to serve /metrics');
    // Compared as digests of equal length, in constant time.
    const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(given), digest(secret)))
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Send the operator token: Authorization: Bearer <METRICS_SECRET>');
    // Set here, not by @Header: a refusal above goes out as JSON.
    response.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return this.metrics.registry.metrics();
  }
}
