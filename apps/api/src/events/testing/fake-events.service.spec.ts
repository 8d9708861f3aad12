import { describe, expect, it } from '@jest/globals';
import { EscrowEvent, InvoiceEvent, scope } from '@operate/shared';
import type { Tx } from '../../prisma/prisma.service.js';
import { FakeEventsService } from './fake-events.service.js';

const org = '8f14e45f-ceea-467a-9af0-7e2d8b1c0a11';
const overdue = {
  invoiceId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  organizationId: org,
  invoiceNumber: 'INV-7',
  customerName: 'Initech',
  total: '5.00',
  currency: 'EUR',
  status: 'OVERDUE' as const,
  dueAt: '2026-01-01T00:00:00.000Z',
  sentAt: '2025-12-01T00:00:00.000Z',
  paidAt: null,
  updatedAt: '2026-01-02T00:00:00.000Z',
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

  it('matches an event published to several scopes by any one of them, or by the exact list', async () => {
    const events = new FakeEventsService();
    const escrowId = '6f1f6a4e-3c51-4f7e-9d55-0b8f3b7f1a10';
    const [buyer, seller, stranger] = ['2c9a1d4e-5b6f-4a7b-8c9d-0e1f2a3b4c5d', org, '00000000-0000-4000-8000-000000000000'];
    const changed = { escrowId, from: 'INITIATED', to: 'HELD', changedAt: '2026-11-22T10:00:00.000Z' } as const;
    await events.to(scope.escrow(escrowId), scope.user(buyer), scope.user(seller)).emit(EscrowEvent.StatusChanged, changed);
    events.expectEmitted(EscrowEvent.StatusChanged, scope.user(seller), { to: 'HELD' });
    events.expectEmitted(EscrowEvent.StatusChanged, [scope.user(seller), scope.user(buyer), scope.escrow(escrowId)]);
    events.expectNotEmitted(EscrowEvent.StatusChanged, scope.user(stranger));
    expect(() => events.expectEmitted(EscrowEvent.StatusChanged, [scope.escrow(escrowId), scope.user(buyer)])).toThrow();
    events.expectEmittedTimes(EscrowEvent.StatusChanged, 1, scope.escrow(escrowId));
    events.expectEmittedTimes(EscrowEvent.StatusChanged, 0, [scope.escrow(escrowId)]);
  });
});
