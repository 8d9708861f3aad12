import { Injectable } from '@nestjs/common';
import { NotificationEvent, type NotificationPriority, type NotificationType } from '@operate/shared';
import { EventsService } from '../../events/events.service.js';
import type { Tx } from '../../prisma/prisma.service.js';

export interface NewNotification {
  readonly organizationId: string;
  /** Omit to notify every member of the organization. */
  readonly userId?: string;
  readonly title: string;
  readonly message: string;
  readonly type?: NotificationType;
  readonly priority?: NotificationPriority;
}

/** Stores notifications and announces them, inside the caller's transaction. */
@Injectable()
export class NotificationsService {
  constructor(private readonly events: EventsService) {}

  async create(input: NewNotification, tx: Tx) {
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
