import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { batchedLookup, isUuid, LOOKUP_INTERVAL_MS } from '../common/batched-lookup.js';
import { interned } from '../common/interned.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { PlatformRole, Role, SessionEndReason } from '../generated/prisma/enums.js';
import { PrismaService, statement } from '../prisma/prisma.service.js';
import { SessionRevocations } from './session-revocations.js';
import { InvalidTokenError, TokenService, type AuthUser, type RefreshClaims, type TokenPair } from './token.service.js';

/** Where a session was started from, as the sessions list shows it. */
export interface Device {
  readonly userAgent: string | undefined;
  readonly ipAddress: string | undefined;
}

/** A session and its user as every request and handshake needs them. */
interface SessionState {
  readonly userId: string;
  readonly organizationId: string;
  readonly active: boolean;
  readonly role: Role;
  readonly platformRole: PlatformRole | null;
  readonly revoked: boolean;
}

export interface SessionView {
  readonly id: string;
  readonly userAgent: string | null;
  readonly ipAddress: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly expiresAt: Date;
  /** The session the request was made with. */
  readonly current: boolean;
}

/** A refresh that must be refused; `reused` means the whole session was just revoked for it. */
export class RefreshRefused extends Error {
  constructor(
    readonly code: 'unauthorized' | 'token_expired' | 'session_revoked' | 'refresh_token_reused',
    message: string,
  ) {
    super(message);
    this.name = 'RefreshRefused';
  }
}

const MAX_USER_AGENT = 512;
/** Ended or expired sessions are kept this long (who signed in from where, and why it ended), then deleted. */
export const SESSION_HISTORY_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A session and its user as every handshake and request checks them (see `current`). */
const SESSION_STATE_COLUMNS = `s.id, s."userId", u."organizationId", u.active, u.role::text AS role,
     u."platformRole"::text AS "platformRole", s."revokedAt" IS NOT NULL AS revoked`;
const SESSIONS_ASKED_FOR = `FROM "Session" s JOIN "User" u ON u.id = s."userId" WHERE s.id = ANY($1::uuid[])`;

/**
 * A list read about the caller's user in the session check's own statement: SQL of type text[], given the SQL
 * that names the user's id (for example `ARRAY(SELECT "familyId"::text FROM "FamilyMember" WHERE "userId" = ${userId})`).
 */
export type UserColumn = (userId: string) => string;

/** The caller as the database has it now, and the lists read with it (one per column, in order). */
export interface CallerWithColumns {
  readonly caller: AuthUser;
  readonly columns: readonly (readonly string[])[];
}

/** Verified claims and their session's row → the caller now, or why the token is refused. */
function callerNow(claims: AuthUser, state: SessionState | undefined): AuthUser {
  if (!state || state.userId !== claims.userId || state.organizationId !== claims.organizationId)
    throw new InvalidTokenError('unauthorized');
  if (state.revoked) throw new InvalidTokenError('session_revoked');
  if (!state.active) throw new InvalidTokenError('unauthorized', 'The account is not active');
  // The roles are read fresh so a demotion takes effect before the token expires. Written out, not spread:
  // V8 gives each object a spread makes here a hidden class of its own, which every socket would keep. The
  // organization and role are the same strings for many sockets: kept once.
  return {
    userId: claims.userId,
    organizationId: interned(claims.organizationId),
    role: interned(state.role),
    platformRole: state.platformRole,
    sessionId: claims.sessionId,
    expiresAt: claims.expiresAt,
  };
}

/**
 * Server-side sessions: one row per signed-in device. Access tokens name their session and are refused once
 * it is revoked; refresh tokens name a generation and rotate on every use, and a refresh token presented
 * after it was rotated is taken as stolen — the whole session is revoked (OAuth 2.0 Security BCP).
 */
@Injectable()
export class SessionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private pruneTimer: NodeJS.Timeout | undefined;

  /** Every HTTP request asks this (a socket handshake asks its own, with its rooms); a burst is answered in few queries. */
  private readonly states = this.withColumns([]);

  constructor(
    private readonly prisma: PrismaService,
    private readonly tokens: TokenService,
    private readonly revocations: SessionRevocations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.pruneTimer = setInterval(() => void this.prune().catch(() => undefined), this.config.retention.pruneIntervalMs);
    this.pruneTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruneTimer);
  }

  /** Deletes sessions that ended or expired more than SESSION_HISTORY_DAYS ago; returns how many. */
  async prune(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - SESSION_HISTORY_DAYS * DAY_MS);
    const { count } = await this.prisma.session.deleteMany({
      where: { OR: [{ revokedAt: { lt: before } }, { expiresAt: { lt: before } }] },
    });
    return count;
  }

  /** Verified access-token claims → the caller as the database has it now (session live, user active, current role). */
  async current(claims: AuthUser): Promise<AuthUser> {
    return (await this.states(claims)).caller;
  }

  /**
   * `current` that also reads `columns` of the caller's user in the same statement, batched like it: the socket
   * handshake reads the rooms its user belongs in this way, one statement per batch instead of one per list.
   * Make it once (each has its own statement and batches); under load it starts a statement at most every
   * `minIntervalMs`, the lookups made meanwhile joining it.
   */
  withColumns(columns: readonly UserColumn[], minIntervalMs = LOOKUP_INTERVAL_MS): (claims: AuthUser) => Promise<CallerWithColumns> {
    const names = columns.map((_, index): `c${number}` => `c${index}`);
    const extra = columns.map((column, index) => `, ${column('u.id')} AS ${names[index]}`).join('');
    const text = `SELECT ${SESSION_STATE_COLUMNS}${extra} ${SESSIONS_ASKED_FOR}`;
    // Named by its text: apps that register different columns never share a prepared name.
    const read = statement(`operate_session_states_${createHash('sha256').update(text).digest('hex').slice(0, 12)}`, text);
    type Row = SessionState & { readonly id: string } & Partial<Readonly<Record<`c${number}`, string[] | null>>>;
    const states = batchedLookup<string, Row>(
      async (ids) => new Map((await this.prisma.rows<Row>(read, [ids])).map((row) => [row.id, row])),
      { validKey: isUuid, minIntervalMs },
    );
    return async (claims) => {
      const state = await states.load(claims.sessionId);
      return { caller: callerNow(claims, state), columns: names.map((name) => state?.[name] ?? []) };
    };
  }

  /** A new session for a user who just proved who they are. */
  async start(user: { id: string; organizationId: string; role: Role }, device: Device): Promise<TokenPair> {
    const session = await this.prisma.session.create({
      data: { userId: user.id, ...this.deviceFields(device), expiresAt: this.refreshExpiry() },
      select: { id: true, refreshGeneration: true },
    });
    return this.tokens.issue(user, session);
  }

  /** Trades a refresh token for a new pair, once: the next generation is the only one accepted afterwards. */
  async refresh(token: unknown, device: Device): Promise<TokenPair> {
    let claims: RefreshClaims;
    try {
      claims = await this.tokens.verifyRefresh(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new RefreshRefused(error.code, error.message);
      throw error;
    }
    const now = new Date();
    const [rotated] = await this.prisma.session.updateManyAndReturn({
      where: {
        id: claims.sessionId,
        userId: claims.userId,
        refreshGeneration: claims.generation,
        revokedAt: null,
        expiresAt: { gt: now },
      },
      data: { refreshGeneration: { increment: 1 }, lastUsedAt: now, expiresAt: this.refreshExpiry(), ...this.deviceFields(device) },
      select: { id: true, refreshGeneration: true, user: { select: { id: true, organizationId: true, role: true, active: true } } },
    });
    if (rotated) {
      if (!rotated.user.active) {
        await this.revoke({ id: rotated.id, userId: rotated.user.id }, 'deactivated');
        throw new RefreshRefused('unauthorized', 'The account is not active');
      }
      return this.tokens.issue(rotated.user, rotated);
    }
    return this.refuse(claims, now);
  }

  /** Why a refresh token was not rotated; a rotated one presented again ends its session. */
  private async refuse(claims: RefreshClaims, now: Date): Promise<never> {
    const session = await this.prisma.session.findUnique({ where: { id: claims.sessionId } });
    if (!session || session.userId !== claims.userId) throw new RefreshRefused('unauthorized', 'Unknown session');
    if (session.revokedAt) throw new RefreshRefused('session_revoked', 'This session was ended; sign in again');
    if (session.refreshGeneration > claims.generation) {
      await this.revoke(session, 'refresh_reused');
      throw new RefreshRefused(
        'refresh_token_reused',
        'This refresh token was already used; the session has been ended for safety. Sign in again',
      );
    }
    if (session.expiresAt <= now) throw new RefreshRefused('token_expired', 'The session has expired; sign in again');
    throw new RefreshRefused('unauthorized', 'The refresh token is not valid for this session');
  }

  /** The caller's live sessions, most recently used first. */
  async list(caller: AuthUser): Promise<SessionView[]> {
    const sessions = await this.prisma.session.findMany({
      where: { userId: caller.userId, revokedAt: null, expiresAt: { gt: new Date() } },
      select: { id: true, userAgent: true, ipAddress: true, createdAt: true, lastUsedAt: true, expiresAt: true },
      orderBy: [{ lastUsedAt: 'desc' }, { id: 'asc' }],
    });
    return sessions.map((session) => ({ ...session, current: session.id === caller.sessionId }));
  }

  /** Ends one of the caller's sessions; false when there is no such live session of theirs. */
  async end(caller: AuthUser, sessionId: string, reason: SessionEndReason): Promise<boolean> {
    return (await this.revoke({ id: sessionId, userId: caller.userId }, reason)) > 0;
  }

  /** Ends every live session of a user (sign out everywhere, or the account was deactivated). */
  async endAll(userId: string, reason: SessionEndReason): Promise<number> {
    const ended = await this.prisma.session.updateManyAndReturn({
      where: { userId, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
      select: { id: true },
    });
    this.revocations.revoked({ userId, sessionIds: ended.map((session) => session.id), reason });
    return ended.length;
  }

  private async revoke(session: { id: string; userId: string }, reason: SessionEndReason): Promise<number> {
    const { count } = await this.prisma.session.updateMany({
      where: { id: session.id, userId: session.userId, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
    if (count > 0) this.revocations.revoked({ userId: session.userId, sessionIds: [session.id], reason });
    return count;
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000);
  }

  private deviceFields(device: Device) {
    return {
      ...(device.userAgent === undefined ? {} : { userAgent: device.userAgent.slice(0, MAX_USER_AGENT) }),
      ...(device.ipAddress === undefined ? {} : { ipAddress: device.ipAddress }),
    };
  }
}
