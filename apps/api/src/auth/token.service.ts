import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { Role } from '../generated/prisma/enums.js';

/** What an authenticated caller is, on HTTP requests and on sockets alike. */
export interface AuthUser {
  readonly userId: string;
  readonly organizationId: string;
  readonly role: Role;
  /** Access token expiry, epoch seconds. */
  readonly expiresAt: number;
}

interface AccessClaims {
  sub: string;
  org: string;
  role: Role;
  typ: 'access';
}

interface RefreshClaims {
  sub: string;
  typ: 'refresh';
}

export type TokenProblem = 'token_expired' | 'unauthorized';

export class InvalidTokenError extends Error {
  constructor(readonly code: TokenProblem) {
    super(code === 'token_expired' ? 'The token has expired' : 'The token is missing, malformed or not signed by us');
    this.name = 'InvalidTokenError';
  }
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/** Signs and verifies tokens; the HTTP strategy and the socket handshake both go through it. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(user: { id: string; organizationId: string; role: Role }): Promise<TokenPair> {
    const { jwt } = this.config;
    const common = { issuer: jwt.issuer, audience: jwt.audience, algorithm: 'HS256' as const };
    const access: AccessClaims = { sub: user.id, org: user.organizationId, role: user.role, typ: 'access' };
    const refresh: RefreshClaims = { sub: user.id, typ: 'refresh' };
    const [accessToken, refreshToken] = await Promise.all([
      this.jwt.signAsync(access, { ...common, secret: jwt.accessSecret, expiresIn: jwt.accessTtlSeconds }),
      this.jwt.signAsync(refresh, { ...common, secret: jwt.refreshSecret, expiresIn: jwt.refreshTtlSeconds }),
    ]);
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: jwt.accessTtlSeconds };
  }

  async verifyAccess(token: unknown): Promise<AuthUser> {
    const claims = await this.verify<AccessClaims & { exp: number }>(token, this.config.jwt.accessSecret);
    if (claims.typ !== 'access' || typeof claims.org !== 'string') throw new InvalidTokenError('unauthorized');
    return { userId: claims.sub, organizationId: claims.org, role: claims.role, expiresAt: claims.exp };
  }

  async verifyRefresh(token: unknown): Promise<string> {
    const claims = await this.verify<RefreshClaims>(token, this.config.jwt.refreshSecret);
    if (claims.typ !== 'refresh') throw new InvalidTokenError('unauthorized');
    return claims.sub;
  }

  private async verify<T extends { sub: string }>(token: unknown, secret: string): Promise<T> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new InvalidTokenError('unauthorized');
    try {
      const claims = await this.jwt.verifyAsync<T & object>(token, {
        secret,
        algorithms: ['HS256'],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
      });
      if (typeof claims.sub !== 'string') throw new InvalidTokenError('unauthorized');
      return claims;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof Error && error.name === 'TokenExpiredError') throw new InvalidTokenError('token_expired');
      throw new InvalidTokenError('unauthorized');
    }
  }
}
