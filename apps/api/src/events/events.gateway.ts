import { Logger, type OnModuleInit } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import {
  ClientCommand,
  commandCatalog,
  ErrorCode,
  isClientCommand,
  MAX_CLIENT_MESSAGE_BYTES,
  ProtocolEvent,
  rooms,
  type Ack,
  type AckError,
} from '@operate/shared';
import type { ExtendedError } from 'socket.io';
import { InvalidTokenError, TokenService } from '../auth/token.service.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { createEnvelope } from './envelope.js';
import { CommandError, SocketCommandRegistry } from './socket-commands.js';
import { SocketServerRef } from './socket-server.ref.js';
import type { OperateServer, OperateSocket } from './socket-types.js';

type AckFn = (response: Ack<unknown>) => void;

/** A connect_error whose message is the stable code; `data` repeats it with a human message. */
function handshakeError(code: 'unauthorized' | 'token_expired', message: string): ExtendedError {
  const error: ExtendedError = new Error(code);
  error.data = { code, message };
  return error;
}

function jsonSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * The socket.io edge: authenticates the handshake, joins the caller's rooms and answers commands.
 * Every client message goes through one validated dispatch (no per-command Nest handler per socket).
 */
@WebSocketGateway()
export class EventsGateway implements OnGatewayInit<OperateServer>, OnGatewayConnection<OperateSocket>, OnModuleInit {
  private readonly logger = new Logger(EventsGateway.name);

  constructor(
    private readonly tokens: TokenService,
    private readonly prisma: PrismaService,
    private readonly serverRef: SocketServerRef,
    private readonly commands: SocketCommandRegistry,
  ) {}

  onModuleInit(): void {
    this.commands.register(ClientCommand.Ping, () => ({ serverTime: new Date().toISOString() }));
  }

  afterInit(server: OperateServer): void {
    this.serverRef.set(server);
    server.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) =>
          next(error instanceof Error && 'data' in error ? error : handshakeError('unauthorized', 'Authentication failed')),
      );
    });
  }

  async handleConnection(socket: OperateSocket): Promise<void> {
    const { user } = socket.data;
    // Listen before the first await, so no command sent right after connecting goes unanswered.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      void this.dispatch(socket, event, args);
    });
    await socket.join([rooms.user(user.userId), rooms.organization(user.organizationId)]);
    // Sent once the rooms are joined: from here on the client misses no event of its scopes.
    socket.emit(
      ProtocolEvent.Connected,
      createEnvelope(ProtocolEvent.Connected, {
        userId: user.userId,
        organizationId: user.organizationId,
        role: user.role,
        socketId: socket.id,
      }),
    );
  }

  private async authenticate(socket: OperateSocket): Promise<void> {
    const auth: unknown = socket.handshake.auth;
    const token = typeof auth === 'object' && auth !== null && 'token' in auth ? auth.token : undefined;
    if (token === undefined) throw handshakeError('unauthorized', 'Send an access token in the handshake: io(url, { auth: { token } })');
    let user;
    try {
      user = await this.tokens.verifyAccess(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw handshakeError(error.code, error.message);
      throw error;
    }
    const account = await this.prisma.user.findFirst({
      where: { id: user.userId, organizationId: user.organizationId },
      select: { active: true, role: true },
    });
    if (!account?.active) throw handshakeError('unauthorized', 'The account is not active');
    socket.data.user = { ...user, role: account.role };
  }

  private async dispatch(socket: OperateSocket, event: unknown, args: unknown[]): Promise<void> {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as AckFn) : undefined;
    const params = ack ? args.slice(0, -1) : args;
    const fail = (error: AckError) => {
      if (ack) ack({ ok: false, error });
      else socket.emit(ProtocolEvent.Error, createEnvelope(ProtocolEvent.Error, error));
    };

    if (!isClientCommand(event)) {
      fail({ code: ErrorCode.UnknownCommand, message: `Unknown command: ${String(event).slice(0, 64)}` });
      return;
    }
    if (!ack) {
      fail({ code: ErrorCode.AckRequired, message: `${event} must be sent with an acknowledgement callback` });
      return;
    }
    if (params.length > 1) {
      fail({ code: ErrorCode.InvalidPayload, message: `${event} takes one argument, got ${params.length}` });
      return;
    }
    if (jsonSize(params[0] ?? null) > MAX_CLIENT_MESSAGE_BYTES) {
      fail({ code: ErrorCode.PayloadTooLarge, message: `Messages are limited to ${MAX_CLIENT_MESSAGE_BYTES} bytes` });
      return;
    }
    const parsed = commandCatalog[event].request.safeParse(params[0]);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
      fail({ code: ErrorCode.InvalidPayload, message: detail });
      return;
    }
    const handler = this.commands.get(event);
    if (!handler) {
      fail({ code: ErrorCode.UnknownCommand, message: `No handler for ${event}` });
      return;
    }
    try {
      ack({ ok: true, data: await handler(socket, parsed.data) });
    } catch (error) {
      if (error instanceof CommandError) {
        fail({ code: error.code, message: error.message });
        return;
      }
      this.logger.error({
        msg: 'command failed',
        command: event,
        socketId: socket.id,
        error: error instanceof Error ? error.stack : String(error),
      });
      fail({ code: ErrorCode.Internal, message: 'The command failed on the server' });
    }
  }
}
