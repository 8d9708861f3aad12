import type { BeforeApplicationShutdown } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { ProtocolEvent } from '@operate/shared';
import { protocolEnvelope } from '../delivery/envelope.js';
import { CommandDispatcher } from './command-dispatcher.js';
import { SocketAttachment } from './socket-attachment.js';
import { SocketConnections } from './socket-connections.js';
import { SocketHandshake } from './socket-handshake.js';
import { SocketServerRef } from './socket-server.ref.js';
import type { OperateServer, OperateSocket } from './socket-types.js';

/**
 * The socket.io edge, and only the order of things: the handshake middleware authenticates; a connection
 * takes one of its user's places, listens for commands (one validated dispatch) and attaches to its event
 * stream; a disconnect gives the place back; a shutdown tells every client to reconnect elsewhere.
 */
@WebSocketGateway()
export class EventsGateway
  implements OnGatewayInit<OperateServer>, OnGatewayConnection<OperateSocket>, OnGatewayDisconnect<OperateSocket>, BeforeApplicationShutdown
{
  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly handshake: SocketHandshake,
    private readonly connections: SocketConnections,
    private readonly dispatcher: CommandDispatcher,
    private readonly attachment: SocketAttachment,
  ) {}

  afterInit(server: OperateServer): void {
    server.use(this.handshake.middleware());
    // The bus, session revocations and handshake limits hook into the server from here (SocketServerRef.whenReady).
    this.serverRef.set(server);
  }

  async handleConnection(socket: OperateSocket): Promise<void> {
    // Checked in the handshake too; here the place is taken, so two handshakes at once cannot both pass.
    if (!this.connections.take(socket)) return;
    // Listen before the first await, so no command sent right after connecting goes unanswered.
    socket.onAny((event: unknown, ...args: unknown[]) => void this.dispatcher.dispatch(socket, event, args));
    await this.attachment.attach(socket);
  }

  handleDisconnect(socket: OperateSocket): void {
    this.connections.release(socket);
  }

  /** Before the server closes: tell this node's clients to reconnect (they resume elsewhere or here later). */
  beforeApplicationShutdown(): void {
    this.handshake.close();
    this.serverRef.get()?.local.emit(ProtocolEvent.ShuttingDown, protocolEnvelope(ProtocolEvent.ShuttingDown, { reconnect: true }));
  }
}
