import { describe, expect, it } from '@jest/globals';
import { InvoiceEvent, scope } from '@operate/shared';
import type { Tx } from '../../prisma/prisma.service.js';
import { FakeEventsService } from './fake-events.service.js';

const org = '8f14e45f-ceea-467a-9af0-7e2d8b1c0a11';
const overdue = {
  invoiceId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  invoiceNumber: 'INV-7',
  total: '5.00',
  currency: 'EUR',
  dueAt: '2026-01-01T00:00:00.000Z',
};

describe(FakeEventsService.name, () => {
  it('records emissions and matches them by event, scope and partial payload', async () => {
    const events = new FakeEventsService();
    await events.toOrganization(org).emit(InvoiceEvent.Overdue, overdue, { tx: {} as Tx });
    events.expectEmitted(InvoiceEvent.Overdue, scope.organization(org), { invoiceNumber: 'INV-7' });
    events.expectEmitted(InvoiceEvent.Overdue, scope.organization(org));
    events.expectNotEmitted(InvoiceEvent.Paid);
    events.expectNotEmitted(InvoiceEvent.Overdue, scope.organization('00000000-0000-4000-8000-000000000000'));
    events.expectEmittedTimes(InvoiceEvent.Overdue, 1);
    expect(events.emitted[0]?.inTransaction).toBe(true);
    expect(events.payloadsOf(InvoiceEvent.Overdue)[0]?.currency).toBe('EUR');
  });

  it('fails with a readable diff when the expectation does not hold', async () => {
    const events = new FakeEventsService();
    await events.toOrganization(org).emit(InvoiceEvent.Overdue, overdue);
    expect(() => events.expectEmitted(InvoiceEvent.Overdue, scope.organization(org), { invoiceNumber: 'INV-8' })).toThrow(/INV-7/);
    expect(() => events.expectNotEmitted(InvoiceEvent.Overdue)).toThrow();
  });

  it('applies the catalog checks, like the real service', async () => {
    const events = new FakeEventsService();
    await expect(events.toOrganization(org).emit(InvoiceEvent.Overdue, { ...overdue, dueAt: 'soon' })).rejects.toMatchObject({
      code: 'invalid_event_payload',
    });
    expect(events.emitted).toHaveLength(0);
  });
});
