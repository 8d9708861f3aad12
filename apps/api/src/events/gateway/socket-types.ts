import type { ClientToServerEvents, EventName, ServerToClientEvents, Subscription } from '@operate/shared';
import type { Server, Socket } from 'socket.io';
import type { RevokedSessions } from '../../auth/session-revocations.js';
import type { AuthUser } from '../../auth/token.service.js';
import type { MessageAllowance } from './socket-limits.js';

export interface SocketData {
  user: AuthUser;
  /** What the handshake asked to subscribe to (`auth.subscriptions`), checked at connect. */
  requestedSubscriptions?: Subscription[] | undefined;
  /** Rooms read with the handshake's session (`SocketRoomRegistry.registerColumn`), until the socket joins them. */
  handshakeRooms?: string[] | undefined;
  /** Subscriptions held, by room. */
  subscriptions?: Map<string, Subscription>;
  /** The socket's message rate allowance, made at its first message (idle sockets carry none). */
  allowance?: MessageAllowance;
  /** True once the socket holds one of its user's places on this node (given back at disconnect). */
  counted?: boolean;
  /** The second its token expires, while the socket waits for that (TokenExpiry). */
  expiresAt?: number | undefined;
}

/** What API nodes send each other over the adapter (Redis): sessions ended on one node (events go on the relay's channels). */
export interface InterServerEvents {
  'operate:sessions-revoked': (revoked: RevokedSessions) => void;
}

export type OperateServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type OperateSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * Sends a stored envelope under its own type to a socket or a set of rooms. The one cast of the delivery path:
 * socket.io's typed emit wants one concrete event name, and a stored envelope's type is any of them (it was
 * checked against the catalog when it was published).
 */
export function emitEnvelope(target: { emit: unknown }, envelope: { readonly type: EventName }): void {
  (target.emit as (event: EventName, payload: unknown) => boolean).call(target, envelope.type, envelope);
}
