import { Controller, Get } from '@nestjs/common';
import type { PresenceView } from '@operate/shared';
import { CurrentUser } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { PresenceService } from './presence.service.js';

@Controller('presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  /**
   * Who in the caller's organization is online now, on any node (a person with two tabs once); 503
   * `presence_unavailable` while Redis is away.
   */
  @Get()
  online(@CurrentUser() user: AuthUser): Promise<PresenceView> {
    return this.presence.list(user.organizationId);
  }
}
