import type { BeforeApplicationShutdown } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { ProtocolEvent } from '@operate/shared';
import { protocolEnvelope } from '../delivery/envelope.js';
import { CommandDispatcher } from './command-dispatcher.js';
import { SocketAttachment } from './socket-attachment.js';
import { SocketConnections } from './socket-connections.js';
import { SocketHandshake } from './socket-handshake.js';
import { SocketServerRef } from './socket-server.ref.js';
import { coalesceFlushes, releaseWrites } from './socket-writes.js';
import type { OperateServer, OperateSocket } from './socket-types.js';

/**
 * The socket.io edge, and only the order of things: the handshake middleware authenticates; a connection
 * takes one of its user's places, listens for commands (one validated dispatch) and attaches to its event
 * stream; a disconnect gives the place back; a shutdown tells every client to reconnect elsewhere. The
 * listeners are one function each for every socket (socket.io calls them on the socket): a closure per socket
 * and per listener is memory every idle connection carries.
 */
@WebSocketGateway()
export class EventsGateway implements OnGatewayInit<OperateServer>, OnGatewayConnection<OperateSocket>, BeforeApplicationShutdown {
  private readonly onCommand: (this: OperateSocket, event: unknown, ...args: unknown[]) => void;
  private readonly onDisconnect: (this: OperateSocket) => void;

  constructor(
    private readonly serverRef: SocketServerRef,
    private readonly handshake: SocketHandshake,
    private readonly connections: SocketConnections,
    private readonly dispatcher: CommandDispatcher,
    private readonly attachment: SocketAttachment,
  ) {
    this.onCommand = function (event, ...args) {
      void dispatcher.dispatch(this, event, args);
    };
    this.onDisconnect = function () {
      connections.release(this);
      attachment.detach(this);
    };
  }

  afterInit(server: OperateServer): void {
    server.use(this.handshake.middleware());
    coalesceFlushes(server);
    // The bus, session revocations and handshake limits hook into the server from here (SocketServerRef.whenReady).
    this.serverRef.set(server);
  }

  async handleConnection(socket: OperateSocket): Promise<void> {
    // Nest's own disconnect hook is switched off (a closure and a `once` wrapper per socket): this one is shared.
    socket.on('disconnect', this.onDisconnect);
    try {
      // Checked in the handshake too; here the place is taken, so two handshakes at once cannot both pass.
      if (!this.connections.take(socket)) return;
      // Listen before the first await, so no command sent right after connecting goes unanswered.
      socket.onAny(this.onCommand);
      await this.attachment.attach(socket, this.handshake.take(socket));
    } finally {
      // The CONNECT ack held since the handshake, with `connected` (or the error and the disconnect) after it.
      releaseWrites(socket.conn);
    }
  }

  /** Before the server closes: tell this node's clients to reconnect (they resume elsewhere or here later). */
  beforeApplicationShutdown(): void {
    this.handshake.close();
    this.serverRef.get()?.local.emit(ProtocolEvent.ShuttingDown, protocolEnvelope(ProtocolEvent.ShuttingDown, { reconnect: true }));
  }
}
