import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvoiceEvent, scope } from '@operate/shared';
import { asCaller, type Tenants } from '../support/fixtures.js';
import { startServiceTest, type ServiceTest } from '../support/service-module.js';
import { FakeEventsService } from '../../src/events/testing/index.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { InvoicesService } from '../../src/modules/finance/invoices.service.js';

// The walk-through in docs/feature-modules.md: this file is its "test it" step, verbatim.
describe('invoice reminders', () => {
  const events = new FakeEventsService();
  let ctx: ServiceTest;
  let tenants: Tenants;
  let invoices: InvoicesService;

  beforeAll(async () => {
    ctx = await startServiceTest([InvoicesService, NotificationsService], events);
    tenants = ctx.tenants;
    invoices = ctx.moduleRef.get(InvoicesService);
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('tells the organization a customer was reminded, in the same transaction', async () => {
    const alice = asCaller(tenants.a1);
    const draft = await invoices.create(alice, { customerName: 'Initech', total: '90.00', currency: 'EUR', dueAt: '2030-01-31T00:00:00Z' });
    await invoices.send(alice, draft.invoiceId);

    await invoices.remind(alice, draft.invoiceId);

    events.expectEmitted(InvoiceEvent.ReminderSent, scope.organization(tenants.orgA), {
      invoiceNumber: draft.invoiceNumber,
      customerName: 'Initech',
      remindedById: alice.userId,
    });
    events.expectNotEmitted(InvoiceEvent.ReminderSent, scope.organization(tenants.orgB));
    expect(events.emitted.every((entry) => entry.inTransaction)).toBe(true);
  });

  it('refuses to remind about a draft (409), and publishes nothing', async () => {
    const alice = asCaller(tenants.a1);
    const draft = await invoices.create(alice, { customerName: 'Hooli', total: '5.00', currency: 'EUR', dueAt: '2030-01-31T00:00:00Z' });
    events.clear();
    await expect(invoices.remind(alice, draft.invoiceId)).rejects.toMatchObject({ status: 409 });
    events.expectNotEmitted(InvoiceEvent.ReminderSent);
  });
});
