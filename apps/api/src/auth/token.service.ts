import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { ErrorCode } from '@operate/shared';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { PlatformRole, Role } from '../generated/prisma/enums.js';
import { JwtKeys } from './jwt-keys.js';

/** What an authenticated caller is, on HTTP requests and on sockets alike. */
export interface AuthUser {
  readonly userId: string;
  readonly organizationId: string;
  readonly role: Role;
  /** A power over the platform itself (read fresh on every request, like the role); null for nearly everyone. */
  readonly platformRole?: PlatformRole | null;
  /** The signed-in device this token belongs to (a row of Session); ending it refuses the token. */
  readonly sessionId: string;
  /** Access token expiry, epoch seconds. */
  readonly expiresAt: number;
}

/** What a refresh token names: its session and which of the session's refresh tokens it is. */
export interface RefreshClaims {
  readonly userId: string;
  readonly sessionId: string;
  readonly generation: number;
}

/** Why a token is refused: the same codes on HTTP and at the socket handshake. */
export type TokenProblem = Extract<ErrorCode, 'token_expired' | 'unauthorized' | 'session_revoked'>;

const MESSAGES: Record<TokenProblem, string> = {
  token_expired: 'The token has expired',
  unauthorized: 'The token is missing, malformed or not signed by us',
  session_revoked: 'This session was ended; sign in again',
};

export class InvalidTokenError extends Error {
  constructor(
    readonly code: TokenProblem,
    message = MESSAGES[code],
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
  readonly sessionId: string;
}

const MAX_TOKEN_LENGTH = 4096;
const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);

/**
 * Signs and verifies tokens with @nestjs/jwt: access tokens through the app's JwtService (the socket
 * handshake verifies here; the HTTP guard's passport-jwt strategy uses the same key and options and the
 * same `accessClaims`), refresh tokens through a second JwtService on their own key.
 */
@Injectable()
export class TokenService {
  private readonly refreshJwt: JwtService;

  constructor(
    private readonly accessJwt: JwtService,
    keys: JwtKeys,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.refreshJwt = new JwtService({ secret: keys.refresh, signOptions: keys.signOptions, verifyOptions: keys.verifyOptions });
  }

  issue(user: { id: string; organizationId: string; role: Role }, session: { id: string; refreshGeneration: number }): TokenPair {
    const { accessTtlSeconds, refreshTtlSeconds } = this.config.jwt;
    return {
      accessToken: this.accessJwt.sign(
        { sub: user.id, org: user.organizationId, role: user.role, sid: session.id, typ: 'access' },
        { expiresIn: accessTtlSeconds },
      ),
      refreshToken: this.refreshJwt.sign(
        { sub: user.id, sid: session.id, gen: session.refreshGeneration, typ: 'refresh' },
        { expiresIn: refreshTtlSeconds },
      ),
      tokenType: 'Bearer',
      expiresIn: accessTtlSeconds,
      sessionId: session.id,
    };
  }

  async verifyAccess(token: unknown): Promise<AuthUser> {
    return accessClaims(this.verify(this.accessJwt, token));
  }

  async verifyRefresh(token: unknown): Promise<RefreshClaims> {
    const claims = this.verify(this.refreshJwt, token);
    if (claims.typ !== 'refresh' || !isUuid(claims.sid) || !Number.isSafeInteger(claims.gen) || (claims.gen as number) < 0)
      throw new InvalidTokenError('unauthorized');
    return { userId: claims.sub as string, sessionId: claims.sid, generation: claims.gen as number };
  }

  private verify(jwt: JwtService, token: unknown): Record<string, unknown> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('unauthorized');
    let claims: unknown;
    try {
      claims = jwt.verify(token);
    } catch (error) {
      throw tokenProblem(error);
    }
    if (typeof claims !== 'object' || claims === null || !isUuid((claims as { sub?: unknown }).sub))
      throw new InvalidTokenError('unauthorized');
    return claims as Record<string, unknown>;
  }
}

/** Verified access-token claims → the caller; the socket handshake and the passport-jwt strategy both map through here. */
export function accessClaims(claims: Record<string, unknown>): AuthUser {
  const { sub, org, role, sid, typ, exp } = claims;
  if (typ !== 'access' || !isUuid(sub) || !isUuid(org) || !isUuid(sid) || typeof role !== 'string' || typeof exp !== 'number')
    throw new InvalidTokenError('unauthorized');
  return { userId: sub, organizationId: org, role: role as Role, sessionId: sid, expiresAt: exp };
}

/** A jsonwebtoken failure → our coded problem (an expired token is told apart so clients refresh). */
export function tokenProblem(error: unknown): InvalidTokenError {
  if (error instanceof InvalidTokenError) return error;
  if (error instanceof Error && error.name === 'TokenExpiredError') return new InvalidTokenError('token_expired');
  return new InvalidTokenError('unauthorized');
}
