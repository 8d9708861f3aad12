import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../auth/token.service.js';
import { conflict, notFound } from '../../common/http-errors.js';
import { SessionService } from '../../auth/session.service.js';
import type { PlatformRole } from '../../generated/prisma/enums.js';
import { PrismaService } from '../../prisma/prisma.service.js';

const publicFields = { id: true, email: true, name: true, role: true, active: true, organizationId: true } as const;

@Injectable()
export class UsersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sessions: SessionService,
  ) {}

  list(caller: AuthUser) {
    return this.prisma.user.findMany({ where: { organizationId: caller.organizationId }, select: publicFields, orderBy: { email: 'asc' } });
  }

  /** Activates or deactivates a member of the caller's organization; deactivation ends their sessions and sockets at once. */
  async setActive(caller: AuthUser, id: string, active: boolean) {
    if (id === caller.userId && !active) throw conflict('cannot_deactivate_self', 'You cannot deactivate your own account');
    const [updated] = await this.prisma.user.updateManyAndReturn({
      where: { id, organizationId: caller.organizationId },
      data: { active },
      select: publicFields,
    });
    if (!updated) throw notFound('User');
    if (!active) await this.sessions.endAll(id, 'deactivated');
    return updated;
  }

  /** Who holds a platform role, across organizations. */
  platformRoleHolders() {
    return this.prisma.user.findMany({
      where: { platformRole: { not: null } },
      select: { ...publicFields, platformRole: true },
      orderBy: { email: 'asc' },
    });
  }

  /** Grants or takes away a platform role (an operator's act); nobody changes their own. */
  async setPlatformRole(caller: AuthUser, id: string, platformRole: PlatformRole | null) {
    if (id === caller.userId) throw conflict('cannot_change_own_platform_role', 'Another operator must change your platform role');
    const [updated] = await this.prisma.user.updateManyAndReturn({
      where: { id },
      data: { platformRole },
      select: { ...publicFields, platformRole: true },
    });
    if (!updated) throw notFound('User');
    return updated;
  }
}
