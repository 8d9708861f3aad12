import { beforeEach, describe, expect, it } from '@jest/globals';
import { EscrowEvent, InvoiceEvent, NotificationEvent, scope, SellerEvent } from '@operate/shared';
import type { PrismaService, Tx } from '../prisma/prisma.service.js';
import { OutboxRepository } from './delivery/outbox.repository.js';
import { EventsService } from './events.service.js';
import type { RelayService } from './delivery/relay.service.js';

const org = '8f14e45f-ceea-467a-9af0-7e2d8b1c0a11';
const user = '2c9a1d4e-5b6f-4a7b-8c9d-0e1f2a3b4c5d';

const paid = {
  invoiceId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  organizationId: org,
  invoiceNumber: 'INV-00042',
  customerName: 'Initech',
  total: '10.00',
  currency: 'EUR',
  status: 'PAID' as const,
  dueAt: '2026-12-31T00:00:00.000Z',
  sentAt: '2026-11-21T10:00:00.000Z',
  paidAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  paidById: user,
};

const notification = {
  notificationId: '6fa459ea-ee8a-4ca4-894e-db77e160355e',
  title: 'Hello',
  message: 'World',
  type: 'info' as const,
  priority: 'normal' as const,
  userId: user,
  createdAt: '2026-11-22T10:00:00.000Z',
};

describe(EventsService.name, () => {
  interface Row {
    id: string;
    type: string;
    audiences: string[];
    payload: unknown;
    occurredAt: Date;
  }
  const written: { client: string; row: Row }[] = [];
  const hooks = new Map<Tx, (() => void | Promise<void>)[]>();
  let kicks = 0;
  // The outbox INSERT's parameters, in the order EventsService binds them.
  const outboxOf = (client: string) => ({
    $executeRaw: (_sql: TemplateStringsArray, id: string, type: string, audiences: string[], payload: string, occurredAt: Date) => {
      written.push({ client, row: { id, type, audiences, payload: JSON.parse(payload) as unknown, occurredAt } });
      return Promise.resolve(1);
    },
  });
  const prisma = {
    ...outboxOf('prisma'),
    // An event without a transaction goes through the driver's pool, with the same parameters.
    rows: (_text: string, [id, type, audiences, payload, occurredAt]: [string, string, string[], string, Date]) => {
      written.push({ client: 'prisma', row: { id, type, audiences, payload: JSON.parse(payload) as unknown, occurredAt } });
      return Promise.resolve([]);
    },
    afterCommit: (tx: Tx, hook: () => void | Promise<void>) => {
      const list = hooks.get(tx);
      if (!list) return false;
      list.push(hook);
      return true;
    },
  } as unknown as PrismaService;
  const relay = { committed: () => void kicks++ } as unknown as RelayService;
  const events = new EventsService(prisma, relay, new OutboxRepository(prisma));

  beforeEach(() => {
    written.length = 0;
    hooks.clear();
    kicks = 0;
  });

  it('writes the event to the outbox for the audience of its scope, and wakes the relay', async () => {
    const published = await events.toOrganization(org).emit(InvoiceEvent.Paid, paid);
    expect(written).toEqual([
      {
        client: 'prisma',
        row: {
          id: published.id,
          type: 'invoice.paid',
          audiences: [`org:${org}`],
          payload: paid,
          occurredAt: new Date(published.occurredAt),
        },
      },
    ]);
    expect(published.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(kicks).toBe(1);
  });

  it('addresses users and everyone', async () => {
    await events.toUser(user).emit(NotificationEvent.Created, notification);
    await events.publish(NotificationEvent.Created, scope.organization(org), { ...notification, userId: null });
    expect(written.map((entry) => entry.row.audiences)).toEqual([[`user:${user}`], [`org:${org}`]]);
  });

  it('stores one event for several scopes once, with each room once', async () => {
    const escrow = '6f1f6a4e-3c51-4f7e-9d55-0b8f3b7f1a10';
    const changed = { escrowId: escrow, from: 'INITIATED', to: 'HELD', changedAt: '2026-11-22T10:00:00.000Z' } as const;
    await events.to(scope.escrow(escrow), scope.user(user), scope.user(user)).emit(EscrowEvent.StatusChanged, changed);
    expect(written.map((entry) => entry.row.audiences)).toEqual([[`escrow:${escrow}`, `user:${user}`]]);
    expect(kicks).toBe(1);
  });

  it('refuses a scope list with a kind the event does not allow, before writing anything', async () => {
    const target = [scope.user(user), scope.organization(org)] as unknown as Parameters<
      typeof events.publish<typeof SellerEvent.OrderCreated>
    >[1];
    const order = {
      orderId: org,
      listingId: org,
      listingTitle: 'Lamp',
      sellerId: user,
      buyerId: user,
      quantity: 1,
      amount: '10.00',
      currency: 'EUR',
      status: 'PENDING',
      paymentReference: 'pay_ord_0d9d6a8c7b1e4a439f0e2b7f3f1a2c11',
      transactionReference: null,
      createdAt: '2026-11-22T10:00:00.000Z',
      updatedAt: '2026-11-22T10:00:00.000Z',
    } as const;
    await expect(events.publish(SellerEvent.OrderCreated, target, order)).rejects.toMatchObject({ code: 'invalid_event_scope' });
    expect(written).toHaveLength(0);
  });

  it('gives every event its own id', async () => {
    const first = await events.toOrganization(org).emit(InvoiceEvent.Paid, paid);
    const second = await events.toOrganization(org).emit(InvoiceEvent.Paid, paid);
    expect(first.id).not.toBe(second.id);
  });

  it('drops fields the catalog does not declare', async () => {
    const withSecret = { ...paid, passwordHash: 'x' } as typeof paid;
    await events.toOrganization(org).emit(InvoiceEvent.Paid, withSecret);
    expect(written[0]?.row.payload).toEqual(paid);
  });

  it('refuses a payload that does not match the catalog, and writes nothing', async () => {
    const bad = { ...paid, total: 10 } as unknown as typeof paid;
    await expect(events.toOrganization(org).emit(InvoiceEvent.Paid, bad)).rejects.toMatchObject({ code: 'invalid_event_payload' });
    expect(written).toHaveLength(0);
  });

  it('refuses a scope the catalog does not allow for the event', async () => {
    const wrong = scope.user(user) as unknown as ReturnType<typeof scope.organization>;
    await expect(events.publish(InvoiceEvent.Paid, wrong, paid)).rejects.toMatchObject({ code: 'invalid_event_scope' });
    expect(written).toHaveLength(0);
  });

  it("writes in the caller's transaction and wakes the relay only after it commits", async () => {
    const tx = outboxOf('tx') as unknown as Tx;
    hooks.set(tx, []);
    await events.toOrganization(org).emit(InvoiceEvent.Paid, paid, { tx });
    expect(written.map((entry) => entry.client)).toEqual(['tx']);
    expect(kicks).toBe(0);
    for (const hook of hooks.get(tx) ?? []) await hook();
    expect(kicks).toBe(1);
  });
});
