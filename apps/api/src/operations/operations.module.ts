import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ApiDocsController, ApiDocument } from './api-docs.controller.js';
import { EventsDocsController } from './events-docs.controller.js';
import { Metrics } from './metrics.service.js';
import { OperationsController } from './operations.controller.js';
import { RateLimits } from './rate-limits.js';
import { RedisLink } from './redis-link.js';

/** `/health`, `/metrics` and the reference pages (`/docs/api`, `/docs/events`); Metrics, RedisLink and RateLimits are global so the event layer and auth can use them. */
@Global()
@Module({
  imports: [TerminusModule.forRoot()],
  controllers: [OperationsController, EventsDocsController, ApiDocsController],
  providers: [Metrics, RedisLink, RateLimits, ApiDocument],
  exports: [Metrics, RedisLink, RateLimits],
})
export class OperationsModule {}
