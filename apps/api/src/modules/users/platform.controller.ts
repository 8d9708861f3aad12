import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { CurrentUser, PlatformRoles } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import { PlatformRoleDto } from './dto/users.dto.js';
import { UsersService } from './users.service.js';

/** The platform's own powers, held apart from every organization's roles; only an operator hands them out. */
@Controller('platform')
export class PlatformController {
  constructor(private readonly users: UsersService) {}

  /** Who holds a platform role (OPERATOR, ARBITER). */
  @Get('users')
  @PlatformRoles('OPERATOR')
  holders() {
    return this.users.platformRoleHolders();
  }

  /** Grants or takes away a user's platform role (not one's own → 409). */
  @Put('users/:id/role')
  @PlatformRoles('OPERATOR')
  setRole(@CurrentUser() caller: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: PlatformRoleDto) {
    return this.users.setPlatformRole(caller, id, body.role ?? null);
  }
}
