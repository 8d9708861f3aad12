import { type BeforeApplicationShutdown, Injectable, type OnModuleInit } from '@nestjs/common';
import { ClientCommand, ErrorCode, ProtocolEvent } from '@operate/shared';
import { AuthService } from '../../auth/auth.service.js';
import { InvalidTokenError, TokenService } from '../../auth/token.service.js';
import { protocolEnvelope } from '../delivery/envelope.js';
import { CommandError, SocketCommandRegistry } from './socket-commands.js';
import type { OperateSocket } from './socket-types.js';

/** Sockets whose tokens expire in the same second share one timer. */
interface Due {
  readonly timer: NodeJS.Timeout;
  readonly sockets: Set<OperateSocket>;
}

/**
 * Keeps each socket's token honest: the socket is disconnected (`token_expired`) when its access token
 * expires, unless `auth.refresh` brings a fresh one for the same user and organization first. Tokens carry
 * their expiry in whole seconds, so the sockets due in one second share a timer: a login wave's tokens
 * mostly expire together, and an idle socket costs a set entry, not a timer of its own.
 */
@Injectable()
export class TokenExpiry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly due = new Map<number, Due>();

  constructor(
    private readonly tokens: TokenService,
    private readonly auth: AuthService,
    private readonly commands: SocketCommandRegistry,
  ) {}

  onModuleInit(): void {
    this.commands.register(ClientCommand.RefreshToken, (socket, request) => this.refresh(socket, request.token));
  }

  beforeApplicationShutdown(): void {
    for (const { timer } of this.due.values()) clearTimeout(timer);
    this.due.clear();
  }

  /** Disconnects the socket when its token expires (rescheduled by a refresh; `forget` it when it disconnects). */
  schedule(socket: OperateSocket): void {
    this.forget(socket);
    const second = socket.data.user.expiresAt;
    let due = this.due.get(second);
    if (!due) {
      const timer = setTimeout(() => this.expire(second), Math.max(0, second * 1000 - Date.now()));
      timer.unref();
      due = { timer, sockets: new Set() };
      this.due.set(second, due);
    }
    due.sockets.add(socket);
    socket.data.expiresAt = second;
  }

  /** The socket is gone (or its expiry moves): it no longer waits for one. */
  forget(socket: OperateSocket): void {
    const second = socket.data.expiresAt;
    if (second === undefined) return;
    socket.data.expiresAt = undefined;
    const due = this.due.get(second);
    if (!due) return;
    due.sockets.delete(socket);
    if (due.sockets.size > 0) return;
    clearTimeout(due.timer);
    this.due.delete(second);
  }

  private expire(second: number): void {
    const due = this.due.get(second);
    this.due.delete(second);
    for (const socket of due?.sockets ?? []) {
      socket.data.expiresAt = undefined;
      socket.emit(
        ProtocolEvent.Error,
        protocolEnvelope(ProtocolEvent.Error, {
          code: ErrorCode.TokenExpired,
          message: 'The access token expired; reconnect with a fresh one',
        }),
      );
      socket.disconnect(true);
    }
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
