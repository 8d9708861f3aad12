import { Test, type TestingModule } from '@nestjs/testing';
import { APP_CONFIG } from '../../src/config/config.js';
import { EventBus } from '../../src/events/delivery/event-bus.js';
import { EventsService } from '../../src/events/events.service.js';
import { EventFanout } from '../../src/events/delivery/fanout.service.js';
import { OutboxRepository } from '../../src/events/delivery/outbox.repository.js';
import { RelayService } from '../../src/events/delivery/relay.service.js';
import { RetentionService } from '../../src/events/delivery/retention.service.js';
import { SocketServerRef } from '../../src/events/gateway/socket-server.ref.js';
import type { OperateServer } from '../../src/events/gateway/socket-types.js';
import { Metrics } from '../../src/operations/metrics.service.js';
import { RedisLink } from '../../src/operations/redis-link.js';
import { DATABASE_URL, PrismaService } from '../../src/prisma/prisma.service.js';
import { testConfig } from './config.js';
import { SocketRoomRegistry } from '../../src/events/gateway/socket-rooms.js';

/** The real outbox, relay and fan-out on a test database, delivering into `server` instead of sockets. */
export async function startRelayModule(
  databaseUrl: string,
  server: OperateServer,
  env: Record<string, string> = {},
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      EventsService,
      RelayService,
      EventBus,
      EventFanout,
      OutboxRepository,
      RetentionService,
      SocketServerRef,
      SocketRoomRegistry,
      Metrics,
      RedisLink,
      PrismaService,
      { provide: DATABASE_URL, useValue: databaseUrl },
      { provide: APP_CONFIG, useValue: testConfig(databaseUrl, { RELAY_POLL_INTERVAL_MS: '100', RELAY_LEADER_RETRY_MS: '100', ...env }) },
    ],
  }).compile();
  moduleRef.get(SocketServerRef).set(server);
  await moduleRef.init();
  return moduleRef;
}
