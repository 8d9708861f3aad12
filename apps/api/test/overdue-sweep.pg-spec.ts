import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { InvoiceEvent, scope } from '@operate/shared';
import { APP_CONFIG, loadConfig } from '../src/config/config.js';
import { FakeEventsService } from '../src/events/testing/index.js';
import { InvoicesService } from '../src/modules/finance/invoices.service.js';
import { NotificationsService } from '../src/modules/notifications/notifications.service.js';
import { DATABASE_URL, PrismaService } from '../src/prisma/prisma.service.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { asCaller, seedTenants, type Tenants } from './support/fixtures.js';

// PostgreSQL only: the embedded database runs one transaction at a time, so there every transaction waits its turn.
describe('the overdue sweep under load', () => {
  const events = new FakeEventsService();
  let database: TestDatabase;
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let tenants: Tenants;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One pooled connection: a single request transaction saturates it.
    const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32), DATABASE_POOL_SIZE: '1' });
    moduleRef = await Test.createTestingModule({
      providers: [
        InvoicesService,
        NotificationsService,
        PrismaService,
        { provide: DATABASE_URL, useValue: database.url },
        { provide: APP_CONFIG, useValue: config },
        events.provider(),
      ],
    }).compile();
    prisma = moduleRef.get(PrismaService);
    tenants = await seedTenants(prisma);
  });

  afterAll(async () => {
    await prisma.onApplicationShutdown();
    await database.close();
  });

  it('marks a late invoice overdue on its own connection while requests hold every pooled one', async () => {
    const invoices = moduleRef.get(InvoicesService);
    const alice = asCaller(tenants.a1);
    const late = await invoices.create(alice, { customerName: 'Initech', total: '90.00', currency: 'EUR', dueAt: '2030-01-31T00:00:00Z' });
    await invoices.send(alice, late.invoiceId);
    events.clear();

    let release: () => void = () => undefined;
    let holding: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const request = prisma.transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1`;
      holding();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await held;
    const swept = invoices.markOverdue(new Date('2030-02-01T00:00:00Z'));
    const outcome = await Promise.race([swept, new Promise((resolve) => setTimeout(() => resolve('starved'), 3_000))]);
    release();
    await request;

    expect(outcome).toBe(1);
    events.expectEmitted(InvoiceEvent.Overdue, scope.organization(tenants.orgA), { invoiceId: late.invoiceId });
  });
});
