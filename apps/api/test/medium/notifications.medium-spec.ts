import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { NotificationEvent, scope } from '@operate/shared';
import { asCaller, type Tenants } from '../support/fixtures.js';
import type { AuthUser } from '../../src/auth/token.service.js';
import { FakeEventsService } from '../../src/events/testing/index.js';
import { startServiceTest, type ServiceTest } from '../support/service-module.js';
import type { PrismaService } from '../../src/prisma/prisma.service.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';

describe(NotificationsService.name, () => {
  let ctx: ServiceTest;
  let prisma: PrismaService;
  let notifications: NotificationsService;
  let tenants: Tenants;
  let owner: AuthUser;
  let member: AuthUser;
  const events = new FakeEventsService();

  beforeAll(async () => {
    ctx = await startServiceTest([NotificationsService], events);
    ({ prisma, tenants } = ctx);
    notifications = ctx.moduleRef.get(NotificationsService);
    owner = asCaller(tenants.a1);
    member = asCaller(tenants.a2);
  });

  afterAll(async () => {
    await ctx.close();
  });

  beforeEach(() => events.clear());

  const create = (input: Parameters<NotificationsService['create']>[0]) => prisma.transaction((tx) => notifications.create(input, { tx }));

  it('announces a personal notification to that user and an organization-wide one to the organization, in the transaction', async () => {
    const personal = await create({
      organizationId: tenants.orgA,
      userId: tenants.a1.id,
      title: 'Hi',
      message: 'Just you',
      type: 'warning',
    });
    const everyone = await create({ organizationId: tenants.orgA, title: 'All', message: 'Everyone' });
    events.expectEmitted(NotificationEvent.Created, scope.user(tenants.a1.id), {
      notificationId: personal.id,
      type: 'warning',
      priority: 'normal',
    });
    events.expectEmitted(NotificationEvent.Created, scope.organization(tenants.orgA), { notificationId: everyone.id, userId: null });
    events.expectNotEmitted(NotificationEvent.Created, scope.user(tenants.a2.id));
    expect(events.emitted.every((entry) => entry.inTransaction)).toBe(true);
  });

  it('announces a read to the reader only, once, with the new unread count', async () => {
    const note = await create({ organizationId: tenants.orgA, title: 'Read me', message: 'Please' });
    const before = (await notifications.unreadCount(member)).unread;
    events.clear();
    await notifications.markRead(member, note.id);
    await notifications.markRead(member, note.id);
    events.expectEmittedTimes(NotificationEvent.Read, 1);
    events.expectEmitted(NotificationEvent.Read, scope.user(tenants.a2.id), { notificationIds: [note.id], unreadCount: before - 1 });
    expect((await notifications.unreadCount(owner)).unread).toBeGreaterThan(0);
  });

  it('marks everything read in one step and reports nothing when nothing is unread', async () => {
    expect(await notifications.markAllRead(owner)).toMatchObject({ unread: 0 });
    events.expectEmitted(NotificationEvent.Read, scope.user(tenants.a1.id), { allRead: true, unreadCount: 0 });
    events.clear();
    expect(await notifications.markAllRead(owner)).toEqual({ updated: 0, unread: 0 });
    events.expectNotEmitted(NotificationEvent.Read);
  });
});
