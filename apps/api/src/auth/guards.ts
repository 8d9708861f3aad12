import { type ExecutionContext, Injectable, type CanActivate } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import type { PlatformRole, Role } from '../generated/prisma/enums.js';
import { forbidden, unauthorized } from '../common/http-errors.js';
import { IS_PUBLIC, PLATFORM_ROLES, ROLES } from './decorators.js';
import { InvalidTokenError, tokenProblem, type AuthUser } from './token.service.js';

/** Every route needs a valid access token (`Authorization: Bearer …`) unless marked @Public(); see JwtStrategy. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic ? true : super.canActivate(context);
  }

  /** passport's verdict → a coded 401: the strategy's own refusal, jsonwebtoken's, or no token at all. */
  override handleRequest<TUser = AuthUser>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (user && !error) return user;
    if (error instanceof Error && !(error instanceof InvalidTokenError)) throw error;
    if (info instanceof Error && info.message === 'No auth token') throw unauthorized('unauthorized', 'A valid bearer token is required');
    const problem = tokenProblem(error ?? info);
    throw unauthorized(problem.code, problem.code === 'token_expired' ? 'The access token has expired' : problem.message);
  }
}

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    const platformRoles = this.reflector.getAllAndOverride<PlatformRole[] | undefined>(PLATFORM_ROLES, targets);
    const user = context.switchToHttp().getRequest<Request & { user?: AuthUser }>().user;
    if (platformRoles?.length && !(user?.platformRole && platformRoles.includes(user.platformRole)))
      throw forbidden(`This action needs the platform role ${platformRoles.join(' or ')}`);
    if (roles?.length && !(user && roles.includes(user.role))) throw forbidden(`This action needs one of the roles: ${roles.join(', ')}`);
    return true;
  }
}
