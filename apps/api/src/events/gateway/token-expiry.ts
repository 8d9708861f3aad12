import { type BeforeApplicationShutdown, Injectable, type OnModuleInit } from '@nestjs/common';
import { ClientCommand, ErrorCode, ProtocolEvent } from '@operate/shared';
import { AuthService } from '../../auth/auth.service.js';
import { InvalidTokenError, TokenService } from '../../auth/token.service.js';
import { protocolEnvelope } from '../delivery/envelope.js';
import { CommandError, SocketCommandRegistry } from './socket-commands.js';
import type { OperateSocket } from './socket-types.js';

/**
 * Keeps each socket's token honest: the socket is disconnected (`token_expired`) when its access token
 * expires, unless `auth.refresh` brings a fresh one for the same user and organization first.
 */
@Injectable()
export class TokenExpiry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly tokens: TokenService,
    private readonly auth: AuthService,
    private readonly commands: SocketCommandRegistry,
  ) {}

  onModuleInit(): void {
    this.commands.register(ClientCommand.RefreshToken, (socket, request) => this.refresh(socket, request.token));
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Disconnects the socket when its token expires (rescheduled by a refresh; forgotten when it disconnects). */
  schedule(socket: OperateSocket): void {
    if (!this.timers.has(socket.id)) socket.once('disconnect', () => this.clear(socket));
    clearTimeout(this.timers.get(socket.id));
    const delay = Math.max(0, socket.data.user.expiresAt * 1000 - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(socket.id);
      socket.emit(
        ProtocolEvent.Error,
        protocolEnvelope(ProtocolEvent.Error, {
          code: ErrorCode.TokenExpired,
          message: 'The access token expired; reconnect with a fresh one',
        }),
      );
      socket.disconnect(true);
    }, delay);
    timer.unref();
    this.timers.set(socket.id, timer);
  }

  private clear(socket: OperateSocket): void {
    clearTimeout(this.timers.get(socket.id));
    this.timers.delete(socket.id);
  }

  /** `auth.refresh`: a fresh access token for the same user and organization moves the expiry. */
  private async refresh(socket: OperateSocket, token: string) {
    let claims;
    try {
      claims = await this.tokens.verifyAccess(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new CommandError('unauthorized', error.message);
      throw error;
    }
    const current = socket.data.user;
    if (claims.userId !== current.userId || claims.organizationId !== current.organizationId) {
      throw new CommandError('forbidden', 'The new token must be for the same user and organization');
    }
    try {
      socket.data.user = await this.auth.current(claims);
    } catch (error) {
      if (error instanceof InvalidTokenError)
        throw new CommandError(error.code === 'session_revoked' ? 'session_revoked' : 'unauthorized', error.message);
      throw error;
    }
    this.schedule(socket);
    return { expiresAt: new Date(claims.expiresAt * 1000).toISOString() };
  }
}
