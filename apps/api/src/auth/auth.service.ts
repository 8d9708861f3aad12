import { Injectable } from '@nestjs/common';
import { BatchLoader } from '../common/batch-loader.js';
import type { Role } from '../generated/prisma/enums.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { notFound, unauthorized } from '../common/http-errors.js';
import { verifyPassword } from './password.js';
import { InvalidTokenError, TokenService, type AuthUser, type TokenPair } from './token.service.js';

// Compared against when the email is unknown, so a miss costs the same time as a wrong password.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

interface AccountState {
  readonly organizationId: string;
  readonly active: boolean;
  readonly role: Role;
}

@Injectable()
export class AuthService {
  /** Every socket handshake and HTTP request asks this; a reconnect storm is answered a few hundred at a time. */
  private readonly accounts = new BatchLoader<string, AccountState>(async (ids) => {
    const rows = await this.prisma.rows<AccountState & { id: string }>(
      'SELECT id, "organizationId", active, role::text AS role FROM "User" WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map(({ id, ...state }) => [id, state]));
  });

  constructor(
    private readonly prisma: PrismaService,
    private readonly tokens: TokenService,
  ) {}

  /** An access token → the caller as the database has it now (active, current role); for HTTP and sockets alike. */
  async authenticate(token: unknown): Promise<AuthUser> {
    return this.current(await this.tokens.verifyAccess(token));
  }

  /** Verified claims → the caller as the database has it now: a deactivated user is refused before the token expires. */
  async current(claims: AuthUser): Promise<AuthUser> {
    const account = await this.accounts.load(claims.userId);
    if (!account?.active || account.organizationId !== claims.organizationId)
      throw new InvalidTokenError('unauthorized', 'The account is not active');
    // The role is read fresh so a demotion takes effect before the token expires.
    return { ...claims, role: account.role };
  }

  async login(email: string, password: string): Promise<TokenPair> {
    const user = await this.prisma.user.findUnique({ where: { email: email.toLowerCase() } });
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !matches || !user.active) throw unauthorized('invalid_credentials', 'Email or password is wrong');
    return this.tokens.issue(user);
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    let userId: string;
    try {
      userId = await this.tokens.verifyRefresh(refreshToken);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized(error.code, error.message);
      throw error;
    }
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user?.active) throw unauthorized('unauthorized', 'The account is not active');
    return this.tokens.issue(user);
  }

  async me(caller: AuthUser) {
    const user = await this.prisma.user.findFirst({
      where: { id: caller.userId, organizationId: caller.organizationId },
      select: {
        id: true,
        email: true,
        name: true,
        role: true,
        organization: { select: { id: true, name: true, slug: true } },
      },
    });
    if (!user) throw notFound('User');
    return user;
  }
}
