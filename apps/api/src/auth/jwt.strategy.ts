import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthService } from './auth.service.js';
import { JwtKeys } from './jwt-keys.js';
import { accessClaims, type AuthUser } from './token.service.js';

/**
 * The HTTP side of authentication: passport-jwt reads `Authorization: Bearer …` and verifies it with the
 * access key and options JwtModule signs with; the claims then go through the same check as a socket
 * handshake (session live, user active, role read fresh).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    keys: JwtKeys,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A key object, not the secret string (see JwtKeys); passport-jwt's types predate key objects.
      secretOrKeyProvider: (_request: unknown, _token: unknown, done: (error: null, key: Buffer) => void) =>
        done(null, keys.access as unknown as Buffer),
      algorithms: keys.verifyOptions.algorithms,
      issuer: keys.verifyOptions.issuer,
      audience: keys.verifyOptions.audience,
    });
  }

  validate(claims: Record<string, unknown>): Promise<AuthUser> {
    return this.auth.current(accessClaims(claims));
  }
}
