import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ClientCommand, commandCatalog, ErrorCode, isClientCommand, ProtocolEvent, type Ack, type AckError } from '@operate/shared';
import { describeIssues } from '../../common/zod-issues.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { protocolEnvelope } from '../delivery/envelope.js';
import { CommandError, SocketCommandRegistry } from './socket-commands.js';
import { MessageAllowance } from './socket-limits.js';
import type { OperateSocket } from './socket-types.js';

type AckFn = (response: Ack<unknown>) => void;

function jsonSize(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Every client message goes through here: the socket's rate allowance, a known command, an ack, one
 * argument within the size limit and the command's schema — then its registered handler. Each refusal is
 * answered with a code (in the ack, or as an `error` event when there is none).
 */
@Injectable()
export class CommandDispatcher implements OnModuleInit {
  private readonly logger = new Logger(CommandDispatcher.name);

  constructor(
    private readonly commands: SocketCommandRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.commands.register(ClientCommand.Ping, () => ({ serverTime: new Date().toISOString() }));
  }

  async dispatch(socket: OperateSocket, event: unknown, args: unknown[]): Promise<void> {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as AckFn) : undefined;
    const params = ack ? args.slice(0, -1) : args;
    const fail = (error: AckError) => {
      if (ack) ack({ ok: false, error });
      else socket.emit(ProtocolEvent.Error, protocolEnvelope(ProtocolEvent.Error, error));
    };

    const now = Date.now();
    socket.data.allowance ??= new MessageAllowance(this.config.sockets, now);
    const verdict = socket.data.allowance.take(now);
    if (verdict === 'disconnect') {
      this.logger.warn({ msg: 'socket disconnected for flooding', socketId: socket.id, userId: socket.data.user.userId });
      socket.emit(
        ProtocolEvent.Error,
        protocolEnvelope(ProtocolEvent.Error, { code: ErrorCode.RateLimited, message: 'Too many messages; disconnected' }),
      );
      socket.disconnect(true);
      return;
    }
    if (verdict === 'refuse') {
      const { messagesPerSecond, messageBurst } = this.config.sockets;
      fail({ code: ErrorCode.RateLimited, message: `At most ${messagesPerSecond} messages a second (bursts of ${messageBurst})` });
      return;
    }
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
    const maxBytes = this.config.sockets.maxMessageBytes;
    if (jsonSize(params[0] ?? null) > maxBytes) {
      fail({ code: ErrorCode.PayloadTooLarge, message: `Messages are limited to ${maxBytes} bytes` });
      return;
    }
    const parsed = commandCatalog[event].request.safeParse(params[0]);
    if (!parsed.success) {
      fail({ code: ErrorCode.InvalidPayload, message: describeIssues(parsed.error) });
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
