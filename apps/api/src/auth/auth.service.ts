import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';
import { HANDSHAKE_LOOKUP_INTERVAL_MS } from '../common/batched-lookup.js';
import { notFound, unauthorized } from '../common/http-errors.js';
import { verifyPassword } from './password.js';
import { SessionService, type CallerWithColumns, type Device, type UserColumn } from './session.service.js';
import { TokenService, type AuthUser, type TokenPair } from './token.service.js';

// Compared against when the email is unknown, so a miss costs the same time as a wrong password.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

@Injectable()
export class AuthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
  ) {}

  /** An access token → the caller as the database has it now (session live, active, current role); for HTTP and sockets alike. */
  async authenticate(token: unknown): Promise<AuthUser> {
    return this.current(await this.tokens.verifyAccess(token));
  }

  /**
   * `authenticate` that reads `columns` of the caller's user in the session check's own statement (see
   * `SessionService.withColumns`), batched as a handshake's (HANDSHAKE_LOOKUP_INTERVAL_MS); the socket handshake
   * reads its rooms so. Make it once.
   */
  authenticatorWith(columns: readonly UserColumn[]): (token: unknown) => Promise<CallerWithColumns> {
    const current = this.sessions.withColumns(columns, HANDSHAKE_LOOKUP_INTERVAL_MS);
    return async (token) => current(await this.tokens.verifyAccess(token));
  }

  /** Verified claims → the caller now: a revoked session or a deactivated user is refused before the token expires. */
  current(claims: AuthUser): Promise<AuthUser> {
    return this.sessions.current(claims);
  }

  async login(email: string, password: string, device: Device): Promise<TokenPair> {
    const user = await this.prisma.user.findUnique({ where: { email: email.toLowerCase() } });
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !matches || !user.active) throw unauthorized('invalid_credentials', 'Email or password is wrong');
    return this.sessions.start(user, device);
  }

  async me(caller: AuthUser) {
    const user = await this.prisma.user.findFirst({
      where: { id: caller.userId, organizationId: caller.organizationId },
      select: {
        id: true,
        email: true,
        name: true,
        role: true,
        platformRole: true,
        organization: { select: { id: true, name: true, slug: true } },
      },
    });
    if (!user) throw notFound('User');
    return user;
  }
}
