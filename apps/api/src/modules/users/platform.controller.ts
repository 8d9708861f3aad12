import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { IsIn, IsOptional } from 'class-validator';
import { CurrentUser, PlatformRoles } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import type { PlatformRole } from '../../generated/prisma/enums.js';
import { UsersService } from './users.service.js';

export class PlatformRoleDto {
  /** Absent or null takes the user's platform role away. */
  @IsOptional()
  @IsIn(['OPERATOR', 'ARBITER'], { message: "role must be 'OPERATOR', 'ARBITER' or null" })
  role?: PlatformRole | null;
}

/** The platform's own powers, held apart from every organization's roles; only an operator hands them out. */
@Controller('platform')
export class PlatformController {
  constructor(private readonly users: UsersService) {}

  @Get('users')
  @PlatformRoles('OPERATOR')
  holders() {
    return this.users.platformRoleHolders();
  }

  @Put('users/:id/role')
  @PlatformRoles('OPERATOR')
  setRole(@CurrentUser() caller: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: PlatformRoleDto) {
    return this.users.setPlatformRole(caller, id, body.role ?? null);
  }
}
