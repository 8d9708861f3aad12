import { beforeEach, describe, expect, it } from '@jest/globals';
import { InvoiceEvent, NotificationEvent, scope, type EventEnvelope } from '@operate/shared';
import type { PrismaService, Tx } from '../prisma/prisma.service.js';
import { EventsService } from './events.service.js';
import { SocketServerRef } from './socket-server.ref.js';
import type { OperateServer } from './socket-types.js';

const org = '8f14e45f-ceea-467a-9af0-7e2d8b1c0a11';
const user = '2c9a1d4e-5b6f-4a7b-8c9d-0e1f2a3b4c5d';

const paid = {
  invoiceId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  invoiceNumber: 'INV-00042',
  total: '10.00',
  currency: 'EUR',
  paidAt: '2026-11-22T10:00:00.000Z',
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
  const delivered: { room: string | undefined; event: string; envelope: EventEnvelope }[] = [];
  const hooks = new Map<Tx, (() => void | Promise<void>)[]>();
  const prisma = {
    afterCommit: (tx: Tx, hook: () => void | Promise<void>) => {
      const list = hooks.get(tx);
      if (!list) return false;
      list.push(hook);
      return true;
    },
  } as unknown as PrismaService;
  const serverRef = new SocketServerRef();
  const audience = (room: string | undefined) => ({
    emit: (event: string, envelope: EventEnvelope) => delivered.push({ room, event, envelope }) > 0,
  });
  serverRef.set({ ...audience(undefined), to: (room: string) => audience(room) } as unknown as OperateServer);
  const events = new EventsService(serverRef, prisma);

  beforeEach(() => {
    delivered.length = 0;
    hooks.clear();
  });

  it('delivers to the room of the scope, wrapped in an envelope', async () => {
    const envelope = await events.toOrganization(org).emit(InvoiceEvent.Paid, paid);
    expect(delivered).toEqual([{ room: `org:${org}`, event: 'invoice.paid', envelope }]);
    expect(envelope).toMatchObject({ type: 'invoice.paid', payload: paid });
    expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('addresses users and everyone', async () => {
    await events.toUser(user).emit(NotificationEvent.Created, notification);
    await events.publish(NotificationEvent.Created, scope.organization(org), { ...notification, userId: null });
    expect(delivered.map((entry) => entry.room)).toEqual([`user:${user}`, `org:${org}`]);
  });

  it('gives every event its own id', async () => {
    const first = await events.toOrganization(org).emit(InvoiceEvent.Paid, paid);
    const second = await events.toOrganization(org).emit(InvoiceEvent.Paid, paid);
    expect(first.id).not.toBe(second.id);
  });

  it('refuses a payload that does not match the catalog, and delivers nothing', async () => {
    const bad = { ...paid, total: 10 } as unknown as typeof paid;
    await expect(events.toOrganization(org).emit(InvoiceEvent.Paid, bad)).rejects.toMatchObject({ code: 'invalid_event_payload' });
    expect(delivered).toHaveLength(0);
  });

  it('refuses a scope the catalog does not allow for the event', async () => {
    const wrong = scope.user(user) as unknown as ReturnType<typeof scope.organization>;
    await expect(events.publish(InvoiceEvent.Paid, wrong, paid)).rejects.toMatchObject({ code: 'invalid_event_scope' });
    expect(delivered).toHaveLength(0);
  });

  it('holds an event published with a transaction until the commit hook runs', async () => {
    const tx = {} as Tx;
    hooks.set(tx, []);
    await events.toOrganization(org).emit(InvoiceEvent.Paid, paid, { tx });
    expect(delivered).toHaveLength(0);
    for (const hook of hooks.get(tx) ?? []) await hook();
    expect(delivered).toHaveLength(1);
  });
});
