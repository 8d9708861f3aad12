import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventsDocsController } from './events-docs.controller.js';
import { Metrics } from './metrics.service.js';
import { OperationsController } from './operations.controller.js';
import { RateLimits } from './rate-limits.js';
import { RedisLink } from './redis-link.js';

/** `/health` and `/metrics`; Metrics, RedisLink and RateLimits are global so the event layer and auth can use them. */
@Global()
@Module({
  imports: [TerminusModule.forRoot()],
  controllers: [OperationsController, EventsDocsController],
  providers: [Metrics, RedisLink, RateLimits],
  exports: [Metrics, RedisLink, RateLimits],
})
export class OperationsModule {}
