import type { ClientToServerEvents, ServerToClientEvents } from '@operate/shared';
import type { Server, Socket } from 'socket.io';
import type { AuthUser } from '../auth/token.service.js';

export interface SocketData {
  user: AuthUser;
}

type InterServerEvents = Record<string, never>;

export type OperateServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type OperateSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
