import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  eventCatalog,
  eventNames,
  InvoiceEvent,
  ProtocolEvent,
  scope,
  ScopeKind,
  Topic,
  type EventName,
  type EventPayload,
  type Scope,
} from '@operate/shared';
import { EventsService } from '../src/events/events.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { invoicePayload, makeSeller, seedFamily } from './support/fixtures.js';
import { samplePayload } from './support/sample-payloads.js';
import type { RecordingClient } from './support/socket-client.js';

/**
 * Every event the catalog lets a feature publish, to every scope kind it allows: a socket outside the scope
 * never receives it, one inside always does (once). Three people: `inside` is in every scope (organization
 * A, itself, family F, a party subscribed to escrow X, a marketplace member); `colleague` shares only the
 * organization; `stranger` (organization B) shares nothing.
 */
describe('cross-tenant matrix (e2e)', () => {
  let ctx: RunningApp;

  beforeAll(async () => {
    ctx = await startApp();
    await makeSeller(ctx.prisma, ctx.tenants.b1);
  });

  afterAll(async () => {
    await ctx.close();
  });

  it('delivers each event kind × scope kind to exactly the sockets in the scope', async () => {
    const { a1, a2, b1, orgA } = ctx.tenants;
    const { familyId } = await seedFamily(ctx.prisma, { owner: a1 }, 100);
    const token = await ctx.login(a1);
    const escrow = (
      await ctx.as(token).post('/escrows', { sellerId: b1.id, amount: '10.00', currency: 'EUR', description: 'Matrix' }).expect(201)
    ).body as { escrowId: string };

    const inside = await ctx.connect(a1, {
      subscriptions: [{ topic: Topic.Escrow, escrowId: escrow.escrowId }, { topic: Topic.Marketplace }],
    });
    expect(inside.ofType(ProtocolEvent.Connected)[0]?.payload.subscriptions.refused).toEqual([]);
    // A colleague who is not a party is refused the escrow's room; the marketplace they simply did not join.
    const colleague = await ctx.connect(a2, { subscriptions: [{ topic: Topic.Escrow, escrowId: escrow.escrowId }] });
    expect(colleague.ofType(ProtocolEvent.Connected)[0]?.payload.subscriptions.refused).toHaveLength(1);
    const stranger = await ctx.connect(b1);
    const clients = { inside, colleague, stranger };

    const targets: Record<Exclude<ScopeKind, 'connection'>, { scope: Scope; receivers: (keyof typeof clients)[] }> = {
      [ScopeKind.Organization]: { scope: scope.organization(orgA), receivers: ['inside', 'colleague'] },
      [ScopeKind.User]: { scope: scope.user(a1.id), receivers: ['inside'] },
      [ScopeKind.Family]: { scope: scope.family(familyId), receivers: ['inside'] },
      [ScopeKind.Escrow]: { scope: scope.escrow(escrow.escrowId), receivers: ['inside'] },
      [ScopeKind.Marketplace]: { scope: scope.marketplace(), receivers: ['inside'] },
      [ScopeKind.Broadcast]: { scope: scope.broadcast(), receivers: ['inside', 'colleague', 'stranger'] },
    };

    const events = ctx.app.get(EventsService);
    const expected = new Map<string, { event: EventName; kind: string; receivers: string[] }>();
    let published = 0;
    for (const event of eventNames) {
      for (const kind of eventCatalog[event].scopes) {
        if (kind === ScopeKind.Connection) continue;
        const target = targets[kind];
        const payload = samplePayload(eventCatalog[event].payload) as EventPayload<typeof event>;
        // The catalog allows this event with this scope kind; the typed emitters spell that out per kind.
        const { id } = await (events.to as (...scopes: Scope[]) => { emit(e: EventName, p: unknown): Promise<{ id: string }> })(
          target.scope,
        ).emit(event, payload);
        expected.set(id, { event, kind, receivers: target.receivers });
        published++;
      }
    }

    // One last organization event to each organization: once it arrives, everything before it has.
    await events.toOrganization(orgA).emit(InvoiceEvent.Created, invoicePayload(orgA, 'MATRIX-END'));
    await events.toOrganization(ctx.tenants.orgB).emit(InvoiceEvent.Created, invoicePayload(ctx.tenants.orgB, 'MATRIX-END-B'));
    await inside.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === 'MATRIX-END', 20_000);
    await colleague.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === 'MATRIX-END', 20_000);
    await stranger.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === 'MATRIX-END-B', 20_000);

    const leaks: string[] = [];
    const misses: string[] = [];
    for (const [name, client] of Object.entries(clients) as [keyof typeof clients, RecordingClient][]) {
      const got = client.received.filter((envelope) => expected.has(envelope.id));
      expect(new Set(got.map((envelope) => envelope.id)).size).toBe(got.length);
      for (const envelope of got) {
        const sent = expected.get(envelope.id)!;
        if (!sent.receivers.includes(name)) leaks.push(`${sent.event} (${sent.kind}) reached ${name}`);
      }
      for (const [id, sent] of expected)
        if (sent.receivers.includes(name) && !got.some((envelope) => envelope.id === id))
          misses.push(`${sent.event} (${sent.kind}) missed ${name}`);
    }
    expect(published).toBeGreaterThanOrEqual(eventNames.length - 5);
    expect(leaks).toEqual([]);
    expect(misses).toEqual([]);
  }, 60_000);
});
