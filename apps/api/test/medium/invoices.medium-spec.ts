import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { InvoiceEvent, NotificationEvent, scope } from '@operate/shared';
import { asCaller, seedTenants, type Tenants } from '../support/fixtures.js';
import type { AuthUser } from '../../src/auth/token.service.js';
import { FakeEventsService } from '../../src/events/testing/index.js';
import { startServiceTest, type ServiceTest } from '../support/service-module.js';
import type { PrismaService } from '../../src/prisma/prisma.service.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { InvoicesService } from '../../src/modules/finance/invoices.service.js';

const DAY = 24 * 60 * 60 * 1000;

describe(InvoicesService.name, () => {
  let ctx: ServiceTest;
  let prisma: PrismaService;
  let invoices: InvoicesService;
  let tenants: Tenants;
  let alice: AuthUser;
  let bella: AuthUser;
  const events = new FakeEventsService();

  const draft = (overrides: Partial<{ customerName: string; total: string; currency: string; dueAt: string }> = {}) => ({
    customerName: 'Initech',
    total: '100.00',
    currency: 'EUR',
    dueAt: new Date(Date.now() + 30 * DAY).toISOString(),
    ...overrides,
  });

  beforeAll(async () => {
    ctx = await startServiceTest([InvoicesService, NotificationsService], events);
    ({ prisma, tenants } = ctx);
    invoices = ctx.moduleRef.get(InvoicesService);
    alice = asCaller(tenants.a1);
    bella = asCaller(tenants.b1);
  });

  afterAll(async () => {
    await ctx.close();
  });

  beforeEach(() => events.clear());

  it('announces a new invoice to its organization, inside the transaction', async () => {
    const invoice = await invoices.create(alice, draft({ total: '1250.5' }));
    events.expectEmitted(InvoiceEvent.Created, scope.organization(tenants.orgA), { invoiceId: invoice.invoiceId, total: '1250.50' });
    expect(events.emitted.every((entry) => entry.inTransaction)).toBe(true);
    events.expectNotEmitted(InvoiceEvent.Created, scope.organization(tenants.orgB));
  });

  it('gives concurrent creations distinct, consecutive generated numbers', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, () => invoices.create(bella, draft())));
    const numbers = created.map((invoice) => invoice.invoiceNumber).sort();
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, index) => `INV-${String(index + 1).padStart(5, '0')}`));
    events.expectEmittedTimes(InvoiceEvent.Created, 20, scope.organization(tenants.orgB));
  });

  it('skips generated numbers someone already chose by hand', async () => {
    const fresh = await seedTenants(prisma);
    const owner: AuthUser = asCaller(fresh.a1);
    await invoices.create(owner, { ...draft(), number: 'INV-00001' });
    await invoices.create(owner, { ...draft(), number: 'INV-00002' });
    expect((await invoices.create(owner, draft())).invoiceNumber).toBe('INV-00003');
  });

  it('pays once: a notification with a real id, one paid event, and 409 for every concurrent second try', async () => {
    const invoice = await invoices.create(alice, draft());
    await invoices.send(alice, invoice.invoiceId);
    events.clear();

    const results = await Promise.allSettled(Array.from({ length: 5 }, () => invoices.pay(alice, invoice.invoiceId)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ status: 409 });
    }
    events.expectEmittedTimes(InvoiceEvent.Paid, 1);
    events.expectEmitted(InvoiceEvent.Paid, scope.organization(tenants.orgA), { invoiceId: invoice.invoiceId, paidById: alice.userId });
    const [notification] = events.payloadsOf(NotificationEvent.Created);
    expect(notification).toBeDefined();
    const stored = await prisma.notification.findUniqueOrThrow({ where: { id: notification!.notificationId } });
    expect(stored).toMatchObject({ organizationId: tenants.orgA, userId: null, type: 'success' });
    events.expectEmitted(NotificationEvent.Created, scope.organization(tenants.orgA), { notificationId: stored.id });
  });

  it('emits nothing for an edit that changes nothing, and names the fields that did change', async () => {
    const invoice = await invoices.create(alice, draft());
    events.clear();
    await invoices.update(alice, invoice.invoiceId, { customerName: 'Initech', total: '100' });
    events.expectNotEmitted(InvoiceEvent.Updated);
    await invoices.update(alice, invoice.invoiceId, { customerName: 'Initech GmbH', total: '100.00', currency: 'USD' });
    events.expectEmitted(InvoiceEvent.Updated, scope.organization(tenants.orgA), {
      invoiceId: invoice.invoiceId,
      changedFields: ['customerName', 'currency'],
      currency: 'USD',
    });
  });

  it('marks each overdue invoice once, announcing it to its own organization', async () => {
    const now = new Date();
    const lateA = await invoices.create(alice, draft({ dueAt: new Date(now.getTime() - DAY).toISOString() }));
    const lateB = await invoices.create(bella, draft({ dueAt: new Date(now.getTime() - DAY).toISOString() }));
    const lateDraft = await invoices.create(alice, draft({ dueAt: new Date(now.getTime() - DAY).toISOString() }));
    const notDue = await invoices.create(alice, draft({ dueAt: new Date(now.getTime() + DAY).toISOString() }));
    for (const [caller, invoice] of [
      [alice, lateA],
      [bella, lateB],
      [alice, notDue],
    ] as const) {
      await invoices.send(caller, invoice.invoiceId);
    }
    events.clear();

    const [first, second] = await Promise.all([invoices.markOverdue(now), invoices.markOverdue(now)]);
    expect(first + second).toBe(2);
    expect(await invoices.markOverdue(now)).toBe(0);

    events.expectEmittedTimes(InvoiceEvent.Overdue, 2);
    events.expectEmitted(InvoiceEvent.Overdue, scope.organization(tenants.orgA), { invoiceId: lateA.invoiceId });
    events.expectEmitted(InvoiceEvent.Overdue, scope.organization(tenants.orgB), { invoiceId: lateB.invoiceId });
    expect((await invoices.get(alice, lateDraft.invoiceId)).status).toBe('DRAFT');
    expect((await invoices.get(alice, notDue.invoiceId)).status).toBe('SENT');
    expect((await invoices.get(alice, lateA.invoiceId)).status).toBe('OVERDUE');
    // An overdue invoice can still be paid.
    await invoices.pay(alice, lateA.invoiceId);
  });
});
