import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { CurrentUser, Roles } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import { UpdateUserDto } from './dto/users.dto.js';
import { UsersService } from './users.service.js';

@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** The members of the caller's organization. */
  @Get()
  list(@CurrentUser() user: AuthUser) {
    return this.users.list(user);
  }

  /** Activates or deactivates a member: deactivating ends their sessions and sockets at once and refuses their tokens. */
  @Patch(':id')
  @Roles('OWNER', 'ADMIN')
  update(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: UpdateUserDto) {
    return this.users.setActive(user, id, body.active);
  }
}
