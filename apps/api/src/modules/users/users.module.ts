import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module.js';
import { PlatformController } from './platform.controller.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({ imports: [AuthModule], controllers: [UsersController, PlatformController], providers: [UsersService] })
export class UsersModule {}
