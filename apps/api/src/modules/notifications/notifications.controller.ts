import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { CurrentUser } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { PageQuery } from '../../common/page-query.js';
import { uuidParam } from '../../common/uuid-param.js';
import { NotificationsService } from './notifications.service.js';

@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  /** Mine and my organization's, unread first, then newest; with the `unread` count. */
  @Get()
  list(@CurrentUser() user: AuthUser, @Query() query: PageQuery) {
    return this.notifications.list(user, query.page, query.pageSize);
  }

  /** `{ unread }`: how many of my notifications I have not read. */
  @Get('unread-count')
  unreadCount(@CurrentUser() user: AuthUser) {
    return this.notifications.unreadCount(user);
  }

  /** Marks all mine read: `{ updated, unread: 0 }`. Emits `notification.read` to my other tabs. */
  @Post('read-all')
  @HttpCode(HttpStatus.OK)
  markAllRead(@CurrentUser() user: AuthUser) {
    return this.notifications.markAllRead(user);
  }

  /** Marks one read for me (idempotent; someone else's or another organization's → 404). Emits `notification.read`. */
  @Post(':id/read')
  @HttpCode(HttpStatus.OK)
  markRead(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.notifications.markRead(user, id);
  }
}
