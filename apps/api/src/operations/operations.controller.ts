import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/decorators.js';
import { ApiError } from '../common/http-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Metrics } from './metrics.service.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** For Prometheus: `/metrics`, with the operator's METRICS_SECRET as a bearer token. */
@Public()
@Controller()
export class OperationsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
