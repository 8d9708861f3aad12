import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { unauthorized } from '../common/http-errors.js';
import type { Role } from '../generated/prisma/enums.js';
import type { AuthUser } from './token.service.js';

interface VerifiedClaims {
  sub: string;
  org: string;
  role: Role;
  typ: string;
  exp: number;
}

/** HTTP bearer tokens, checked with the same secret, algorithm, issuer and audience as TokenService. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly prisma: PrismaService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwt.accessSecret,
      algorithms: ['HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  async validate(claims: VerifiedClaims): Promise<AuthUser> {
    if (claims.typ !== 'access') throw unauthorized('unauthorized', 'Not an access token');
    const user = await this.prisma.user.findFirst({
      where: { id: claims.sub, organizationId: claims.org },
      select: { active: true, role: true },
    });
    if (!user?.active) throw unauthorized('unauthorized', 'The account is not active');
    // The role is read fresh so a demotion takes effect before the token expires.
    return { userId: claims.sub, organizationId: claims.org, role: user.role, expiresAt: claims.exp };
  }
}
