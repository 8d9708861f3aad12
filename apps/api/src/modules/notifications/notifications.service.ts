import { Injectable } from '@nestjs/common';
import { NotificationEvent, type NotificationPriority, type NotificationType } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { notFound } from '../../common/http-errors.js';
import { EventsService } from '../../events/events.service.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PrismaService, type Tx } from '../../prisma/prisma.service.js';

export interface NewNotification {
  readonly organizationId: string;
  /** Omit to notify every member of the organization. */
  readonly userId?: string;
  readonly title: string;
  readonly message: string;
  readonly type?: NotificationType;
  readonly priority?: NotificationPriority;
}

export interface NotificationView {
  readonly notificationId: string;
  readonly title: string;
  readonly message: string;
  readonly type: NotificationType;
  readonly priority: NotificationPriority;
  readonly userId: string | null;
  readonly createdAt: string;
  /** When this user read it; null while unread. */
  readonly readAt: string | null;
}

export interface NotificationPage {
  readonly items: NotificationView[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
  readonly unread: number;
}

/** Notifications a user may see: their own, and those for their whole organization. */
function visibleTo(caller: AuthUser): Prisma.NotificationWhereInput {
  return { organizationId: caller.organizationId, OR: [{ userId: caller.userId }, { userId: null }] };
}

function unreadBy(caller: AuthUser): Prisma.NotificationWhereInput {
  return { ...visibleTo(caller), reads: { none: { userId: caller.userId } } };
}

/** Stores notifications and announces them in the caller's transaction; serves each user's read state. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly events: EventsService,
    private readonly prisma: PrismaService,
  ) {}

  /** Unread first, then newest first. */
  async list(caller: AuthUser, page: number, pageSize: number): Promise<NotificationPage> {
    const rows = await this.prisma.$queryRaw<
      {
        id: string;
        title: string;
        message: string;
        type: NotificationType;
        priority: NotificationPriority;
        userId: string | null;
        createdAt: Date;
        readAt: Date | null;
      }[]
    >`
      SELECT n.id, n.title, n.message, n.type::text AS type, n.priority::text AS priority, n."userId", n."createdAt", r."readAt"
      FROM "Notification" n
      LEFT JOIN "NotificationRead" r ON r."notificationId" = n.id AND r."userId" = ${caller.userId}::uuid
      WHERE n."organizationId" = ${caller.organizationId}::uuid AND (n."userId" IS NULL OR n."userId" = ${caller.userId}::uuid)
      ORDER BY (r."readAt" IS NULL) DESC, n."createdAt" DESC, n.id DESC
      LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`;
    const [total, unread] = await Promise.all([
      this.prisma.notification.count({ where: visibleTo(caller) }),
      this.prisma.notification.count({ where: unreadBy(caller) }),
    ]);
    const items = rows.map((row) => ({
      notificationId: row.id,
      title: row.title,
      message: row.message,
      type: row.type,
      priority: row.priority,
      userId: row.userId,
      createdAt: row.createdAt.toISOString(),
      readAt: row.readAt?.toISOString() ?? null,
    }));
    return { items, page, pageSize, total, unread };
  }

  async unreadCount(caller: AuthUser): Promise<{ unread: number }> {
    return { unread: await this.prisma.notification.count({ where: unreadBy(caller) }) };
  }

  /** Idempotent: marking a read notification again changes nothing and announces nothing. */
  async markRead(caller: AuthUser, id: string): Promise<{ notificationId: string; readAt: string; unread: number }> {
    return this.prisma.transaction(async (tx) => {
      const notification = await tx.notification.findFirst({ where: { id, ...visibleTo(caller) }, select: { id: true } });
      if (!notification) throw notFound('Notification');
      const existing = await tx.notificationRead.findUnique({
        where: { notificationId_userId: { notificationId: id, userId: caller.userId } },
      });
      const read = existing ?? (await tx.notificationRead.create({ data: { notificationId: id, userId: caller.userId } }));
      const unread = await tx.notification.count({ where: unreadBy(caller) });
      if (!existing) {
        await this.events
          .toUser(caller.userId)
          .emit(NotificationEvent.Read, { notificationIds: [id], allRead: false, unreadCount: unread }, { tx });
      }
      return { notificationId: id, readAt: read.readAt.toISOString(), unread };
    });
  }

  async markAllRead(caller: AuthUser): Promise<{ updated: number; unread: number }> {
    return this.prisma.transaction(async (tx) => {
      const unread = await tx.notification.findMany({ where: unreadBy(caller), select: { id: true } });
      if (unread.length === 0) return { updated: 0, unread: 0 };
      const { count } = await tx.notificationRead.createMany({
        data: unread.map(({ id }) => ({ notificationId: id, userId: caller.userId })),
        skipDuplicates: true,
      });
      await this.events.toUser(caller.userId).emit(NotificationEvent.Read, { notificationIds: [], allRead: true, unreadCount: 0 }, { tx });
      return { updated: count, unread: 0 };
    });
  }

  /** Stores a notification and publishes `notification.created`, both in the caller's transaction (as `emit` takes it). */
  async create(input: NewNotification, { tx }: { tx: Tx }) {
    const notification = await tx.notification.create({
      data: {
        organizationId: input.organizationId,
        userId: input.userId ?? null,
        title: input.title,
        message: input.message,
        type: input.type ?? 'info',
        priority: input.priority ?? 'normal',
      },
    });
    const payload = {
      notificationId: notification.id,
      title: notification.title,
      message: notification.message,
      type: notification.type,
      priority: notification.priority,
      userId: notification.userId,
      createdAt: notification.createdAt.toISOString(),
    };
    const emitter = notification.userId ? this.events.toUser(notification.userId) : this.events.toOrganization(notification.organizationId);
    await emitter.emit(NotificationEvent.Created, payload, { tx });
    return notification;
  }
}
