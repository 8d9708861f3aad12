import type { ClientToServerEvents, ServerToClientEvents, Subscription } from '@operate/shared';
import type { Server, Socket } from 'socket.io';
import type { AuthUser } from '../auth/token.service.js';
import type { MessageAllowance } from './socket-limits.js';

export interface SocketData {
  user: AuthUser;
  /** What the handshake asked to subscribe to (`auth.subscriptions`), checked at connect. */
  requestedSubscriptions?: Subscription[];
  /** Subscriptions held, by room. */
  subscriptions?: Map<string, Subscription>;
  /** The socket's message rate allowance, made at its first message (idle sockets carry none). */
  allowance?: MessageAllowance;
  /** True once the socket holds one of its user's places on this node (given back at disconnect). */
  counted?: boolean;
}

type InterServerEvents = Record<string, never>;

export type OperateServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type OperateSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
