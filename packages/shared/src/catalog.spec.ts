import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  eventCatalog,
  eventNames,
  InvoiceEvent,
  isEventName,
  NotificationEvent,
  ProtocolEvent,
  type EventEnvelope,
  type EventPayload,
  type PublishableEvent,
  type ServerToClientEvents,
} from './index.js';
import { audienceOf, roomOf, rooms, scope, scopeKindOfAudience } from './scopes.js';

// Compile-time checks (tests are type-checked): the payload type follows from the event name.
const invoiceNumber: EventPayload<typeof InvoiceEvent.Paid>['invoiceNumber'] = 'INV-1';
// @ts-expect-error invoice.paid has no `title`
type NoTitle = EventPayload<typeof InvoiceEvent.Paid>['title'];
// @ts-expect-error protocol events are not publishable by feature modules
const notPublishable: PublishableEvent = ProtocolEvent.Connected;
// @ts-expect-error invoice events go to organizations, not users
const notForUsers: PublishableEvent<'user'> = InvoiceEvent.Created;
const handler: ServerToClientEvents[typeof InvoiceEvent.Paid] = (envelope: EventEnvelope<typeof InvoiceEvent.Paid>) =>
  envelope.payload.total;

describe('event catalog', () => {
  it('declares every event once, each with scopes, a schema and a summary', () => {
    expect(eventNames).toEqual(
      expect.arrayContaining([
        'invoice.created',
        'invoice.updated',
        'invoice.paid',
        'invoice.overdue',
        'notification.created',
        'connected',
        'error',
      ]),
    );
    expect(new Set(eventNames).size).toBe(eventNames.length);
    for (const name of eventNames) {
      const definition = eventCatalog[name];
      expect(definition.scopes.length).toBeGreaterThan(0);
      expect(definition.payload).toBeInstanceOf(z.ZodType);
      expect(definition.summary.length).toBeGreaterThan(0);
    }
    expect([invoiceNumber, typeof handler, notPublishable, notForUsers]).toHaveLength(4);
    expect(eventCatalog[NotificationEvent.Created].scopes).toEqual(['user', 'organization']);
  });

  it('validates payloads at run time: money as two-place strings, ISO timestamps', () => {
    const schema = eventCatalog[InvoiceEvent.Overdue].payload;
    const good = {
      invoiceId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
      organizationId: '8f14e45f-ceea-467a-9af0-7e2d8b1c0a11',
      invoiceNumber: 'INV-1',
      customerName: 'Initech',
      total: '12.50',
      currency: 'EUR',
      status: 'OVERDUE',
      dueAt: '2026-11-22T10:00:00.000Z',
      sentAt: '2026-11-01T10:00:00.000Z',
      paidAt: null,
      updatedAt: '2026-11-23T00:00:00.000Z',
    };
    expect(schema.safeParse(good).success).toBe(true);
    expect(schema.safeParse({ ...good, total: 12.5 }).success).toBe(false);
    expect(schema.safeParse({ ...good, total: '12.5' }).success).toBe(false);
    expect(schema.safeParse({ ...good, currency: 'euro' }).success).toBe(false);
    expect(schema.safeParse({ ...good, dueAt: 'yesterday' }).success).toBe(false);
  });

  it('recognises only catalog names', () => {
    expect(isEventName('invoice.paid')).toBe(true);
    expect(isEventName('invoice.deleted')).toBe(false);
    expect(isEventName('toString')).toBe(false);
  });

  it('spells room names in one place, shared with scopes', () => {
    expect(rooms.organization('o1')).toBe('org:o1');
    expect(rooms.user('u1')).toBe('user:u1');
    expect(roomOf(scope.organization('o1'))).toBe('org:o1');
    expect(roomOf(scope.user('u1'))).toBe('user:u1');
    expect(roomOf(scope.broadcast())).toBeUndefined();
  });

  it('reads an audience’s scope kind back from the same spelling', () => {
    const targets = [
      scope.organization('o1'),
      scope.user('u1'),
      scope.family('f1'),
      scope.escrow('e1'),
      scope.marketplace(),
      scope.broadcast(),
    ];
    expect(targets.map((target) => scopeKindOfAudience(audienceOf(target)))).toEqual(targets.map((target) => target.kind));
    expect(scopeKindOfAudience('somewhere:else')).toBeUndefined();
  });
});

export type { NoTitle };
