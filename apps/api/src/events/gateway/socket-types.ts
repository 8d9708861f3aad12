import type { ClientToServerEvents, EventName, ServerToClientEvents, Subscription } from '@operate/shared';
import type { Server, Socket } from 'socket.io';
import type { RevokedSessions } from '../../auth/session-revocations.js';
import type { AuthUser } from '../../auth/token.service.js';
import type { MessageAllowance } from './socket-limits.js';

/**
 * What a socket carries for its lifetime, made whole by `socketData` once its caller is known: every field is
 * there from the start, so each socket's object keeps one shape (a fifth field added to socket.io's `{}` gives it
 * a second store, ~40 B an idle socket).
 */
export interface SocketData {
  user: AuthUser;
  /** Subscriptions held, by room. */
  subscriptions: Map<string, Subscription> | undefined;
  /** The socket's message rate allowance, made at its first message (idle sockets carry none). */
  allowance: MessageAllowance | undefined;
  /** True once the socket holds one of its user's places on this node (given back at disconnect). */
  counted: boolean;
  /** The second its token expires, while the socket waits for that (TokenExpiry). */
  expiresAt: number | undefined;
}

export function socketData(user: AuthUser): SocketData {
  return { user, subscriptions: undefined, allowance: undefined, counted: false, expiresAt: undefined };
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
