import { Global, Module } from '@nestjs/common';
import { ApiDocsController, ApiDocument } from './api-docs.controller.js';
import { EventsDocsController } from './events-docs.controller.js';
import { HealthController } from './health.controller.js';
import { Lifecycle } from './lifecycle.js';
import { Metrics } from './metrics.service.js';
import { OperationsController } from './operations.controller.js';
import { RateLimits } from './rate-limits.js';
import { RedisLink } from './redis-link.js';

/**
 * `/health` (live, ready), `/metrics` and the reference pages (`/docs/api`, `/docs/events`); Metrics, RedisLink,
 * RateLimits and Lifecycle are global so the event layer, auth and main.ts can use them.
 */
@Global()
@Module({
  controllers: [HealthController, OperationsController, EventsDocsController, ApiDocsController],
  providers: [Metrics, RedisLink, RateLimits, ApiDocument, Lifecycle],
  exports: [Metrics, RedisLink, RateLimits, Lifecycle],
})
export class OperationsModule {}
