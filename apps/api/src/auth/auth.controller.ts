import { Body, Controller, Delete, Get, HttpCode, HttpStatus, HttpException, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { forbidden, notFound, RateLimitedError, unauthorized } from '../common/http-errors.js';
import { uuidParam } from '../common/uuid-param.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Limit, RateLimits } from '../operations/rate-limits.js';
import { AuthService } from './auth.service.js';
import { CurrentUser, Public } from './decorators.js';
import { LoginDto, RefreshDto, type RefreshTokenIn } from './dto/auth.dto.js';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './refresh-cookie.js';
import { RefreshRefused, SessionService, type Device } from './session.service.js';
import type { AuthUser, TokenPair } from './token.service.js';

const deviceOf = (request: Request): Device => ({ userAgent: request.get('user-agent'), ipAddress: request.ip });

@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limits: RateLimits,
  ) {}

  /**
   * Starts a session. `refreshTokenIn: 'cookie'` (the dashboard) keeps the refresh token out of the body.
   * Limited per address (any email: one address cannot sweep accounts) and per email (failures from any
   * address: one account cannot be guessed from many), across every node.
   */
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const email = body.email.trim().toLowerCase();
    const fromAddress = await this.limits.take(Limit.LoginAttemptsPerAddress, request.ip ?? 'unknown');
    if (!fromAddress.allowed) throw new RateLimitedError('Too many sign-in attempts from this address', fromAddress.retryAfterSeconds);
    const forEmail = await this.limits.check(Limit.LoginFailuresPerEmail, email);
    if (!forEmail.allowed) throw new RateLimitedError('Too many failed sign-ins for this account', forEmail.retryAfterSeconds);
    let pair: TokenPair;
    try {
      pair = await this.auth.login(email, body.password, deviceOf(request));
    } catch (error) {
      if (error instanceof HttpException && error.getStatus() === 401) await this.limits.count(Limit.LoginFailuresPerEmail, email);
      throw error;
    }
    return this.deliver(pair, body.refreshTokenIn ?? 'body', request, response);
  }

  /** Rotates the refresh token given in the body, or else the refresh cookie's (answering in the same place). */
  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  async refresh(@Body() body: RefreshDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const from: RefreshTokenIn = body.refreshToken === undefined ? 'cookie' : 'body';
    const token = body.refreshToken ?? readRefreshCookie(request);
    if (token === undefined) throw unauthorized('unauthorized', 'Send refreshToken in the body, or sign in to get the refresh cookie');
    if (from === 'cookie') this.checkOrigin(request);
    try {
      return this.deliver(await this.sessions.refresh(token, deviceOf(request)), from, request, response);
    } catch (error) {
      if (!(error instanceof RefreshRefused)) throw error;
      if (from === 'cookie') clearRefreshCookie(request, response);
      throw unauthorized(error.code, error.message);
    }
  }

  /** Ends this session: its refresh token and access tokens are refused from now on, its sockets are cut. */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@CurrentUser() user: AuthUser, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    await this.sessions.end(user, user.sessionId, 'logout');
    clearRefreshCookie(request, response);
  }

  /** Ends every session of the caller, this one included. */
  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logoutAll(@CurrentUser() user: AuthUser, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    await this.sessions.endAll(user.userId, 'logout_all');
    clearRefreshCookie(request, response);
  }

  /** The caller's live sessions (`userAgent`, `ipAddress`, `createdAt`, `lastUsedAt`, `expiresAt`, `current`). */
  @Get('sessions')
  listSessions(@CurrentUser() user: AuthUser) {
    return this.sessions.list(user);
  }

  /** Ends one of the caller's sessions (another device, or this one). */
  @Delete('sessions/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async endSession(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    if (!(await this.sessions.end(user, id, 'ended'))) throw notFound('Session');
    if (id === user.sessionId) clearRefreshCookie(request, response);
  }

  /** The caller and their organization. */
  @Get('me')
  me(@CurrentUser() user: AuthUser) {
    return this.auth.me(user);
  }

  private deliver(pair: TokenPair, to: RefreshTokenIn, request: Request, response: Response) {
    if (to === 'body') return pair;
    const { refreshToken, ...rest } = pair;
    setRefreshCookie(request, response, refreshToken, this.config.jwt.refreshTtlSeconds);
    return rest;
  }

  /** The cookie rides on any request the browser makes: only the configured dashboard origins may use it. */
  private checkOrigin(request: Request): void {
    const origin = request.get('origin');
    if (origin !== undefined && !this.config.corsOrigins.includes(origin))
      throw forbidden(`Origin ${origin} may not use the refresh cookie (CORS_ORIGINS)`);
  }
}
