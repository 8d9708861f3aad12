import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvoiceEvent, ProtocolEvent, type InvoiceSummary } from '@operate/shared';
import { startApp, type RunningApp } from './support/app.js';
import { seedUser } from './support/fixtures.js';
import { RecordingClient } from './support/socket-client.js';

interface NotificationRow {
  readonly notificationId: string;
  readonly readAt: string | null;
}

/** Guarantees that a one-line bug could break while every other test stayed green. */
describe('tenant guarantees (e2e)', () => {
  let ctx: RunningApp;

  beforeAll(async () => {
    ctx = await startApp();
  });

  afterAll(async () => {
    await ctx.close();
  });

  async function invoiceOf(token: string, customerName: string): Promise<string> {
    const response = await ctx
      .as(token)
      .post('/invoices', { customerName, total: '1.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' })
      .expect(201);
    return (response.body as InvoiceSummary).invoiceId;
  }

  it("joins only the token's organization, whatever else the handshake claims", async () => {
    const { a2, b1, orgA, orgB } = ctx.tenants;
    const intruder = await RecordingClient.connect(ctx.url, await ctx.login(a2), {
      organizationId: orgB,
      userId: b1.id,
      role: 'OWNER',
    } as Record<string, unknown>);
    const connected = await intruder.waitFor(ProtocolEvent.Connected);
    expect(connected.payload).toMatchObject({ organizationId: orgA, userId: a2.id });

    const foreign = await invoiceOf(await ctx.login(b1), 'Not for A');
    const sentinel = await invoiceOf(await ctx.login(ctx.tenants.a1), 'Sentinel for A');
    await intruder.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === sentinel);
    expect(intruder.received.filter((e) => JSON.stringify(e.payload).includes(foreign))).toHaveLength(0);
  });

  it('refuses a person moved to another organization while their old access token is unexpired', async () => {
    const mover = await seedUser(ctx.prisma, { name: 'mover', organizationId: ctx.tenants.orgA });
    const token = await ctx.login(mover);
    await ctx.as(token).get('/invoices').expect(200);
    await ctx.prisma.user.update({ where: { id: mover.id }, data: { organizationId: ctx.tenants.orgB } });

    expect((await ctx.as(token).get('/invoices').expect(401)).body).toMatchObject({ code: 'unauthorized' });
    expect((await RecordingClient.refusal(ctx.url, { token })).message).toBe('unauthorized');
    // Signed in anew, they belong to their new organization only.
    const fresh = await RecordingClient.connect(ctx.url, await ctx.login(mover));
    expect((await fresh.waitFor(ProtocolEvent.Connected)).payload.organizationId).toBe(ctx.tenants.orgB);
    fresh.close();
  });

  it('keeps read state per person: a colleague reading an organization-wide notification leaves it unread for me', async () => {
    const { a1, a2, orgA } = ctx.tenants;
    const [mine, colleagues] = [await ctx.login(a2), await ctx.login(a1)];
    const shared = await ctx.prisma.notification.create({ data: { organizationId: orgA, title: 'For everyone', message: 'All of A' } });
    const older = await ctx.prisma.notification.create({
      data: { organizationId: orgA, userId: a2.id, title: 'Mine, read', message: 'Read already', createdAt: new Date(Date.now() - 60_000) },
    });
    await ctx.as(mine).post(`/notifications/${older.id}/read`).expect(200);
    const list = async () =>
      (await ctx.as(mine).get('/notifications?pageSize=100').expect(200)).body as { items: NotificationRow[]; unread: number };

    const before = await list();
    await ctx.as(colleagues).post(`/notifications/${shared.id}/read`).expect(200);
    const after = await list();
    expect(after.unread).toBe(before.unread);
    expect(after.items.find((row) => row.notificationId === shared.id)?.readAt).toBeNull();
    // Unread ones come first: mine-and-unread sorts before my already-read one.
    const order = after.items.map((row) => row.notificationId);
    expect(order.indexOf(shared.id)).toBeLessThan(order.indexOf(older.id));

    await ctx.as(mine).post(`/notifications/${shared.id}/read`).expect(200);
    const both = await list();
    expect(both.items.filter((row) => row.notificationId === shared.id)).toHaveLength(1);
    expect(both.items.find((row) => row.notificationId === shared.id)?.readAt).not.toBeNull();
    expect(both.unread).toBe(before.unread - 1);
  });
});
