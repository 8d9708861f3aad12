import type { ClientToServerEvents, ServerToClientEvents, Subscription } from '@operate/shared';
import type { Server, Socket } from 'socket.io';
import type { AuthUser } from '../auth/token.service.js';

export interface SocketData {
  user: AuthUser;
  /** What the handshake asked to subscribe to (`auth.subscriptions`), checked at connect. */
  requestedSubscriptions?: Subscription[];
  /** Subscriptions held, by room. */
  subscriptions?: Map<string, Subscription>;
}

type InterServerEvents = Record<string, never>;

export type OperateServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type OperateSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
