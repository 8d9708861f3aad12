import { Injectable } from '@nestjs/common';
import type { ClientCommandName, CommandRequest, CommandResponse, ErrorCode } from '@operate/shared';
import type { OperateSocket } from './socket-types.js';

/** Thrown by a command handler to answer `{ ok: false, error: { code, message } }`. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export type CommandHandler<C extends ClientCommandName> = (
  socket: OperateSocket,
  request: CommandRequest<C>,
) => CommandResponse<C> | Promise<CommandResponse<C>>;

/**
 * Client→server command handlers, registered by whichever module owns the command, so the gateway
 * dispatches and validates without knowing any feature.
 */
@Injectable()
export class SocketCommandRegistry {
  private readonly handlers = new Map<ClientCommandName, CommandHandler<ClientCommandName>>();

  register<C extends ClientCommandName>(command: C, handler: CommandHandler<C>): void {
    if (this.handlers.has(command)) throw new Error(`A handler for ${command} is already registered`);
    this.handlers.set(command, handler);
  }

  get(command: ClientCommandName): CommandHandler<ClientCommandName> | undefined {
    return this.handlers.get(command);
  }
}
