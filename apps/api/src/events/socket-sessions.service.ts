import { Injectable } from '@nestjs/common';
import { ErrorCode, ProtocolEvent, rooms } from '@operate/shared';
import { protocolEnvelope } from './envelope.js';
import { SocketServerRef } from './socket-server.ref.js';

/** Acts on live connections for other modules, e.g. ending a deactivated user's sockets on every node. */
@Injectable()
export class SocketSessions {
  constructor(private readonly serverRef: SocketServerRef) {}

  disconnectUser(userId: string, code: typeof ErrorCode.AccountDeactivated, message: string): void {
    const server = this.serverRef.get();
    if (!server) return;
    const sockets = server.in(rooms.user(userId));
    sockets.emit(ProtocolEvent.Error, protocolEnvelope(ProtocolEvent.Error, { code, message }));
    sockets.disconnectSockets(true);
  }
}
