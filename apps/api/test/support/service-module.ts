import type { Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { FakeEventsService } from '../../src/events/testing/index.js';
import { DATABASE_URL, PrismaService } from '../../src/prisma/prisma.service.js';
import { createTestDatabase } from './database.js';
import { seedTenants, type Tenants } from './fixtures.js';

export interface ServiceTest {
  readonly moduleRef: TestingModule;
  readonly prisma: PrismaService;
  readonly tenants: Tenants;
  close(): Promise<void>;
}

/**
 * The medium tier's setup: the given services on a fresh migrated database with two tenants, the real
 * PrismaService, and `events` standing in for EventsService.
 */
export async function startServiceTest(services: (Type | Provider)[], events: FakeEventsService): Promise<ServiceTest> {
  const database = await createTestDatabase();
  const moduleRef = await Test.createTestingModule({
    providers: [...services, PrismaService, { provide: DATABASE_URL, useValue: database.url }, events.provider()],
  }).compile();
  const prisma = moduleRef.get(PrismaService);
  const tenants = await seedTenants(prisma);
  return {
    moduleRef,
    prisma,
    tenants,
    async close() {
      await prisma.$disconnect();
      await database.close();
    },
  };
}
