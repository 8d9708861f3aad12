import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventsDocsController } from './events-docs.controller.js';
import { Metrics } from './metrics.service.js';
import { OperationsController } from './operations.controller.js';
import { RedisLink } from './redis-link.js';

/** `/health` and `/metrics`; Metrics and RedisLink are global so the event layer can record into them. */
@Global()
@Module({
  imports: [TerminusModule.forRoot()],
  controllers: [OperationsController, EventsDocsController],
  providers: [Metrics, RedisLink],
  exports: [Metrics, RedisLink],
})
export class OperationsModule {}
