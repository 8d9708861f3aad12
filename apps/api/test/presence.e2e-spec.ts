import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvoiceEvent, PresenceEvent, type PresenceView } from '@operate/shared';
import { EventsService } from '../src/events/events.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { invoicePayload } from './support/fixtures.js';
import type { RecordingClient } from './support/socket-client.js';

describe('presence (e2e)', () => {
  let ctx: RunningApp;

  beforeAll(async () => {
    ctx = await startApp({ PRESENCE_SETTLE_MS: '50', PRESENCE_OFFLINE_GRACE_MS: '400' });
  });

  afterAll(async () => {
    await ctx.close();
  });

  const presenceOf = async (token: string) => (await ctx.as(token).get('/presence').expect(200)).body as PresenceView;
  const changes = (client: RecordingClient, userId: string) =>
    client
      .ofType(PresenceEvent.Changed)
      .flatMap((e) => e.payload.changes)
      .filter((change) => change.userId === userId)
      .map((change) => change.online);

  /** Waits for an organization event published after everything before it: the stream is ordered. */
  async function sentinel(client: RecordingClient, organizationId: string, name: string): Promise<void> {
    await ctx.app.get(EventsService).toOrganization(organizationId).emit(InvoiceEvent.Created, invoicePayload(organizationId, name));
    await client.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === name);
  }

  it('counts a person with two tabs once, announces them once, and offline only after the last tab is gone for the grace', async () => {
    const { a1, a2, b1, orgA, orgB } = ctx.tenants;
    const watcher = await ctx.connect(a1);
    const outsider = await ctx.connect(b1);
    const token = await ctx.login(a1);

    const tab1 = await ctx.connect(a2);
    const tab2 = await ctx.connect(a2);
    await watcher.waitFor(PresenceEvent.Changed, (e) => e.payload.changes.some((change) => change.userId === a2.id && change.online));
    const listed = await presenceOf(token);
    expect(listed.online.find((entry) => entry.userId === a2.id)).toEqual({ userId: a2.id, connections: 2 });
    expect(listed.online.map((entry) => entry.userId)).not.toContain(b1.id);

    // One tab closes: still online, nothing announced.
    tab1.close();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await presenceOf(token)).online.find((entry) => entry.userId === a2.id)?.connections).toBe(1);
    // A reload inside the grace: the person never looked offline.
    tab2.close();
    const reloaded = await ctx.connect(a2);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await sentinel(watcher, orgA, 'PRESENCE-1');
    expect(changes(watcher, a2.id)).toEqual([true]);

    reloaded.close();
    await watcher.waitFor(
      PresenceEvent.Changed,
      (e) => e.payload.changes.some((change) => change.userId === a2.id && !change.online),
      5_000,
    );
    expect(changes(watcher, a2.id)).toEqual([true, false]);
    expect((await presenceOf(token)).online.map((entry) => entry.userId)).not.toContain(a2.id);

    // The other organization heard none of it.
    await sentinel(outsider, orgB, 'PRESENCE-B');
    expect(
      outsider
        .ofType(PresenceEvent.Changed)
        .flatMap((e) => e.payload.changes)
        .map((change) => change.userId),
    ).not.toContain(a2.id);
  });

  it('replays presence changes to a client that was away (they are ordered events like any other)', async () => {
    const { a1, a2, orgA } = ctx.tenants;
    const away = await ctx.connect(a1);
    const staying = await ctx.connect(a1);
    await sentinel(away, orgA, 'PRESENCE-2');
    const cursor = away.lastCursor();
    away.close();
    const visitor = await ctx.connect(a2);
    await staying.waitFor(
      PresenceEvent.Changed,
      (e) => e.payload.changes.some((change) => change.userId === a2.id && change.online),
      5_000,
    );
    const back = await ctx.connect(a1, { cursor });
    const types = back.received.map((envelope) => envelope.type);
    expect(types.indexOf(PresenceEvent.Changed)).toBeGreaterThanOrEqual(0);
    expect(types.indexOf(PresenceEvent.Changed)).toBeLessThan(types.indexOf('resumed'));
    visitor.close();
  });
});
