import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NotificationEvent } from '@operate/shared';
import { NotificationsService, type NotificationPage } from '../src/modules/notifications/notifications.service.js';
import { startApp, type RunningApp } from './support/app.js';
import type { RecordingClient } from './support/socket-client.js';

describe('notifications (e2e)', () => {
  let ctx: RunningApp;
  let tokens: { a1: string; a2: string; b1: string };
  let a1Tab1: RecordingClient;
  let a1Tab2: RecordingClient;
  let a2: RecordingClient;
  let ids: { orgWide: string; forA1: string; forB1: string };

  beforeAll(async () => {
    ctx = await startApp();
    tokens = { a1: await ctx.login(ctx.tenants.a1), a2: await ctx.login(ctx.tenants.a2), b1: await ctx.login(ctx.tenants.b1) };
    [a1Tab1, a1Tab2, a2] = await Promise.all([ctx.connect(ctx.tenants.a1), ctx.connect(ctx.tenants.a1), ctx.connect(ctx.tenants.a2)]);
    const notifications = ctx.app.get(NotificationsService);
    const create = (input: Parameters<NotificationsService['create']>[0]) =>
      ctx.prisma.transaction((tx) => notifications.create(input, { tx }));
    const orgWide = await create({ organizationId: ctx.tenants.orgA, title: 'Quarter closed', message: 'For everyone in A' });
    const forA1 = await create({
      organizationId: ctx.tenants.orgA,
      userId: ctx.tenants.a1.id,
      title: 'Only for a1',
      message: 'Personal',
      priority: 'high',
    });
    const forB1 = await create({
      organizationId: ctx.tenants.orgB,
      userId: ctx.tenants.b1.id,
      title: 'Only for b1',
      message: 'Other tenant',
    });
    ids = { orgWide: orgWide.id, forA1: forA1.id, forB1: forB1.id };
    // Live: the personal one reaches a1's tabs; the organization-wide one reaches a2 too.
    await a1Tab1.waitFor(NotificationEvent.Created, (e) => e.payload.notificationId === ids.forA1);
    await a2.waitFor(NotificationEvent.Created, (e) => e.payload.notificationId === ids.orgWide);
  });

  afterAll(async () => {
    await ctx.close();
  });

  const get = (path: string, token: string) => ctx.http().get(path).set('authorization', `Bearer ${token}`);
  const post = (path: string, token: string) => ctx.http().post(path).set('authorization', `Bearer ${token}`);

  it('shows each user their own and their organization-wide notifications, nothing else', async () => {
    const forA1 = (await get('/notifications', tokens.a1).expect(200)).body as NotificationPage;
    expect(forA1.items.map((item) => item.notificationId).sort()).toEqual([ids.orgWide, ids.forA1].sort());
    expect(forA1).toMatchObject({ total: 2, unread: 2 });
    const forA2 = (await get('/notifications', tokens.a2).expect(200)).body as NotificationPage;
    expect(forA2.items.map((item) => item.notificationId)).toEqual([ids.orgWide]);
    expect(a2.ofType(NotificationEvent.Created).map((e) => e.payload.notificationId)).not.toContain(ids.forA1);
    await expect(get('/notifications/unread-count', tokens.b1).expect(200)).resolves.toMatchObject({ body: { unread: 1 } });
  });

  it('marks one read for this user only, tells every tab of that user, and is idempotent', async () => {
    const marked = await post(`/notifications/${ids.orgWide}/read`, tokens.a1).expect(200);
    expect(marked.body).toMatchObject({ notificationId: ids.orgWide, unread: 1 });
    for (const tab of [a1Tab1, a1Tab2]) {
      const read = await tab.waitFor(NotificationEvent.Read);
      expect(read.payload).toEqual({ notificationIds: [ids.orgWide], allRead: false, unreadCount: 1 });
    }
    // Read state is per user: a2 still has the organization-wide one unread.
    await expect(get('/notifications/unread-count', tokens.a2).expect(200)).resolves.toMatchObject({ body: { unread: 1 } });

    const again = await post(`/notifications/${ids.orgWide}/read`, tokens.a1).expect(200);
    expect(again.body).toMatchObject({ readAt: (marked.body as { readAt: string }).readAt, unread: 1 });

    // Unread first: the personal one (unread) now leads.
    const page = (await get('/notifications', tokens.a1).expect(200)).body as NotificationPage;
    expect(page.items.map((item) => [item.notificationId, item.readAt === null])).toEqual([
      [ids.forA1, true],
      [ids.orgWide, false],
    ]);
  });

  it('answers 404 for a notification the caller may not see, and 400 for a malformed id', async () => {
    await post(`/notifications/${ids.forA1}/read`, tokens.a2).expect(404);
    await post(`/notifications/${ids.forA1}/read`, tokens.b1).expect(404);
    await post(`/notifications/${ids.forB1}/read`, tokens.a1).expect(404);
    await post('/notifications/not-a-uuid/read', tokens.a1).expect(400);
    await get('/notifications?pageSize=500', tokens.a1).expect(400);
  });

  it('marks all read at once, and only announces when something changed', async () => {
    const all = await post('/notifications/read-all', tokens.a2).expect(200);
    expect(all.body).toEqual({ updated: 1, unread: 0 });
    const read = await a2.waitFor(NotificationEvent.Read);
    expect(read.payload).toEqual({ notificationIds: [], allRead: true, unreadCount: 0 });
    await expect(post('/notifications/read-all', tokens.a2).expect(200)).resolves.toMatchObject({ body: { updated: 0, unread: 0 } });
    // a1's state is untouched by a2's read-all; a1's tabs never saw a2's event.
    await expect(get('/notifications/unread-count', tokens.a1).expect(200)).resolves.toMatchObject({ body: { unread: 1 } });
    await post('/notifications/read-all', tokens.a1).expect(200);
    await a1Tab2.waitFor(NotificationEvent.Read, (e) => e.payload.allRead);
    expect(a1Tab2.ofType(NotificationEvent.Read)).toHaveLength(2);
    expect(a2.ofType(NotificationEvent.Read)).toHaveLength(1);
  });
});
