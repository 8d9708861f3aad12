import { z } from 'zod';
import type { EventEnvelope, EventName } from './catalog.js';
import { cursor, subscription, type Subscription } from './payloads.js';

// Client→server messages, declared once: name, request schema, response type.
export const ClientCommand = {
  Ping: 'ping',
  RefreshToken: 'auth.refresh',
  Subscribe: 'subscribe',
  Unsubscribe: 'unsubscribe',
} as const;
export type ClientCommandName = (typeof ClientCommand)[keyof typeof ClientCommand];

/** Largest accepted client message, measured as its JSON text. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

interface CommandDefinition {
  readonly request: z.ZodType;
  readonly response: z.ZodType;
  readonly summary: string;
  /** Sending it twice does no harm, so a client may queue it while offline and send it on reconnect. */
  readonly idempotent: boolean;
}

/** Events for the subscription arrive live from this cursor on; fetch the state as of now over HTTP. */
const subscribed = z.object({ cursor });
const unsubscribed = z.object({ wasSubscribed: z.boolean() });

export const commandCatalog = {
  [ClientCommand.Ping]: {
    request: z.union([z.undefined(), z.null(), z.object({ sentAt: z.iso.datetime({ offset: true }).optional() }).strict()]),
    response: z.object({ serverTime: z.iso.datetime({ offset: true }) }),
    summary: 'Round trip check; answers with the server time.',
    idempotent: true,
  },
  [ClientCommand.RefreshToken]: {
    request: z.object({ token: z.string().min(1).max(4096) }).strict(),
    response: z.object({ expiresAt: z.iso.datetime({ offset: true }) }),
    summary: 'Swap the access token of a live socket (same user) without reconnecting.',
    // A queued refresh could arrive after the token it carries expired.
    idempotent: false,
  },
  [ClientCommand.Subscribe]: {
    request: subscription,
    response: subscribed,
    summary:
      "Receive a topic's events: { topic: 'escrow', escrowId } (a party, or an admin of a party's organization) or { topic: 'marketplace' } (anyone).",
    idempotent: true,
  },
  [ClientCommand.Unsubscribe]: {
    request: subscription,
    response: unsubscribed,
    summary: "Stop receiving a topic's events through its room (an escrow's party still gets them as a party).",
    idempotent: true,
  },
} as const satisfies Record<ClientCommandName, CommandDefinition>;

export type CommandRequest<C extends ClientCommandName> = z.input<(typeof commandCatalog)[C]['request']>;
export type CommandResponse<C extends ClientCommandName> = z.infer<(typeof commandCatalog)[C]['response']>;

/** Stable error codes a client can switch on, in acks, `error` events and `connect_error` messages. */
export const ErrorCode = {
  Unauthorized: 'unauthorized',
  TokenExpired: 'token_expired',
  AccountDeactivated: 'account_deactivated',
  /** The session was ended (sign-out, another device ended it, or its refresh token was reused). */
  SessionRevoked: 'session_revoked',
  ShuttingDown: 'shutting_down',
  Forbidden: 'forbidden',
  InvalidPayload: 'invalid_payload',
  PayloadTooLarge: 'payload_too_large',
  UnknownCommand: 'unknown_command',
  AckRequired: 'ack_required',
  TooManySubscriptions: 'too_many_subscriptions',
  /** Messages came faster than the socket's rate limit; sustained, the socket is disconnected. */
  RateLimited: 'rate_limited',
  /** The user already holds as many sockets as one node allows. */
  TooManyConnections: 'too_many_connections',
  Internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface AckError {
  readonly code: ErrorCode;
  readonly message: string;
}
export type Ack<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: AckError };

/** socket.io's server→client map, derived from the catalog: every event carries an envelope. */
export type ServerToClientEvents = {
  [E in EventName]: (envelope: EventEnvelope<E>) => void;
};

/** socket.io's client→server map, derived from the command catalog: every command is acknowledged. */
export type ClientToServerEvents = {
  [C in ClientCommandName]: (request: CommandRequest<C>, ack: (response: Ack<CommandResponse<C>>) => void) => void;
};

export function isClientCommand(value: unknown): value is ClientCommandName {
  return typeof value === 'string' && Object.hasOwn(commandCatalog, value);
}

/** What a client sends in the socket.io handshake: `io(url, { auth })`. */
export interface HandshakeAuth {
  /** The access token (never in the URL). */
  readonly token: string;
  /** The last cursor seen: the server replays what came after it, or sends `reset`. */
  readonly cursor?: number;
  /** Subscriptions to keep across a reconnect; replayed like the socket's own rooms. */
  readonly subscriptions?: readonly Subscription[];
}
