import { type ExecutionContext, Injectable, type CanActivate } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from '../generated/prisma/enums.js';
import { forbidden, unauthorized } from '../common/http-errors.js';
import { IS_PUBLIC, ROLES } from './decorators.js';
import { AuthService } from './auth.service.js';
import { InvalidTokenError, type AuthUser } from './token.service.js';

const BEARER = /^Bearer ([^\s]+)$/i;

/** Every route needs a valid access token (`Authorization: Bearer …`) unless marked @Public(); the socket handshake checks the same way. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw unauthorized('unauthorized', 'A valid bearer token is required');
    try {
      request.user = await this.auth.authenticate(token);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      throw unauthorized(error.code, error.code === 'token_expired' ? 'The access token has expired' : error.message);
    }
    return true;
  }
}

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (!roles?.length) return true;
    const user = context.switchToHttp().getRequest<Request & { user?: AuthUser }>().user;
    if (user && roles.includes(user.role)) return true;
    throw forbidden(`This action needs one of the roles: ${roles.join(', ')}`);
  }
}
