import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
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
  constructor(
    readonly code: TokenProblem,
    message = code === 'token_expired' ? 'The token has expired' : 'The token is missing, malformed or not signed by us',
  ) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/**
 * Signs and verifies tokens; the HTTP guard and the socket handshake both go through it. The secrets are
 * turned into key objects once: given a string, jsonwebtoken first tries (and fails) to parse it as a
 * PEM key on every call, which made each verification cost more than the rest of a socket handshake.
 */
@Injectable()
export class TokenService {
  private readonly accessKey: KeyObject;
  private readonly refreshKey: KeyObject;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.accessKey = createSecretKey(Buffer.from(config.jwt.accessSecret));
    this.refreshKey = createSecretKey(Buffer.from(config.jwt.refreshSecret));
  }

  async issue(user: { id: string; organizationId: string; role: Role }): Promise<TokenPair> {
    const { issuer, audience, accessTtlSeconds, refreshTtlSeconds } = this.config.jwt;
    const common = { issuer, audience, algorithm: 'HS256' as const };
    const access: AccessClaims = { sub: user.id, org: user.organizationId, role: user.role, typ: 'access' };
    const refresh: RefreshClaims = { sub: user.id, typ: 'refresh' };
    return {
      accessToken: jwt.sign(access, this.accessKey, { ...common, expiresIn: accessTtlSeconds }),
      refreshToken: jwt.sign(refresh, this.refreshKey, { ...common, expiresIn: refreshTtlSeconds }),
      tokenType: 'Bearer',
      expiresIn: accessTtlSeconds,
    };
  }

  async verifyAccess(token: unknown): Promise<AuthUser> {
    const claims = this.verify<AccessClaims & { exp: number }>(token, this.accessKey);
    if (claims.typ !== 'access' || typeof claims.org !== 'string') throw new InvalidTokenError('unauthorized');
    return { userId: claims.sub, organizationId: claims.org, role: claims.role, expiresAt: claims.exp };
  }

  async verifyRefresh(token: unknown): Promise<string> {
    const claims = this.verify<RefreshClaims>(token, this.refreshKey);
    if (claims.typ !== 'refresh') throw new InvalidTokenError('unauthorized');
    return claims.sub;
  }

  private verify<T extends { sub: string }>(token: unknown, key: KeyObject): T {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new InvalidTokenError('unauthorized');
    try {
      const claims = jwt.verify(token, key, {
        algorithms: ['HS256'],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
      }) as T | string;
      if (typeof claims !== 'object' || typeof claims.sub !== 'string') throw new InvalidTokenError('unauthorized');
      return claims;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof Error && error.name === 'TokenExpiredError') throw new InvalidTokenError('token_expired');
      throw new InvalidTokenError('unauthorized');
    }
  }
}
