import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { PlatformRole, Role } from '../generated/prisma/enums.js';
import type { AuthUser } from './token.service.js';
import { documentPublic, documentRoles, OPENAPI_PLATFORM_ROLES, OPENAPI_ROLES } from '../common/openapi.js';

export const IS_PUBLIC = 'operate:isPublic';
export const ROLES = 'operate:roles';
export const PLATFORM_ROLES = 'operate:platformRoles';

/** Opens a route to callers without a token (login, refresh). */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), documentPublic());

/** Limits a route to callers with one of these roles in their organization (403 otherwise). */
export const Roles = (...roles: Role[]) => applyDecorators(SetMetadata(ROLES, roles), documentRoles(OPENAPI_ROLES, roles));

/** Limits a route to callers holding one of these platform roles, whatever their organization role (403 otherwise). */
export const PlatformRoles = (...roles: PlatformRole[]) =>
  applyDecorators(SetMetadata(PLATFORM_ROLES, roles), documentRoles(OPENAPI_PLATFORM_ROLES, roles));

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const request = context.switchToHttp().getRequest<Request & { user: AuthUser }>();
  return request.user;
});
