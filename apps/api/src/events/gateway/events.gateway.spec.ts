import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { ErrorCode, type Ack, type EventEnvelope } from '@operate/shared';
import { AuthService } from '../../auth/auth.service.js';
import { JwtService } from '@nestjs/jwt';
import { accessJwtOptions, JwtKeys } from '../../auth/jwt-keys.js';
import { SessionRevocations } from '../../auth/session-revocations.js';
import { SessionService } from '../../auth/session.service.js';
import { TokenService, type AuthUser } from '../../auth/token.service.js';
import { loadConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { RateLimits } from '../../operations/rate-limits.js';
import { RedisLink } from '../../operations/redis-link.js';
import type { PrismaService } from '../../prisma/prisma.service.js';
import { CommandDispatcher } from './command-dispatcher.js';
import { EventsGateway } from './events.gateway.js';
import { SocketAttachment } from './socket-attachment.js';
import { SocketConnections } from './socket-connections.js';
import { SocketHandshake } from './socket-handshake.js';
import { TokenExpiry } from './token-expiry.js';
import { HandshakeLimits } from './handshake-limits.js';
import type { PresenceService } from '../presence/presence.service.js';
import type { ReplayService } from '../delivery/replay.service.js';
import { SocketRoomRegistry } from './socket-rooms.js';
import { CommandError, SocketCommandRegistry } from './socket-commands.js';
import { SocketServerRef } from './socket-server.ref.js';
import { SocketSessions } from './socket-sessions.service.js';
import { SocketSubscriptions } from './socket-subscriptions.js';
import type { EventFanout } from '../delivery/fanout.service.js';
import type { OperateServer, OperateSocket } from './socket-types.js';

const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32) });
const keys = new JwtKeys(config);
const tokens = new TokenService(new JwtService(accessJwtOptions(keys, config)), keys, config);
const active = {
  id: '0d9d6a8c-7b1e-4a43-9f0e-2b7f3f1a2c11',
  organizationId: '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c11',
  role: 'MEMBER' as const,
};
const inactive = { ...active, id: '9e107d9d-372b-4b68-8f5a-6c1c2b3d4e5f' };
const session = {
  active: { id: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c', refreshGeneration: 0 },
  inactive: { id: '7c6b5a49-3827-4f16-a5b4-c3d2e1f0a9b8', refreshGeneration: 0 },
  revoked: { id: 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d', refreshGeneration: 0 },
  /** Live when the handshake reads it; ended while the socket attaches. */
  endedMeanwhile: { id: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', refreshGeneration: 0 },
};

// SessionService's batched query: the session ids asked for → their rows (the active user was promoted to ADMIN).
const sessionRows = [
  { id: session.active.id, userId: active.id, organizationId: active.organizationId, active: true, role: 'ADMIN', revoked: false },
  { id: session.inactive.id, userId: inactive.id, organizationId: inactive.organizationId, active: false, role: 'MEMBER', revoked: false },
  { id: session.revoked.id, userId: active.id, organizationId: active.organizationId, active: true, role: 'ADMIN', revoked: true },
  { id: session.endedMeanwhile.id, userId: active.id, organizationId: active.organizationId, active: true, role: 'ADMIN', revoked: false },
];
const prisma = {
  rows: (_sql: string, [ids]: [string[]]) => Promise.resolve(sessionRows.filter((row) => ids.includes(row.id))),
} as unknown as PrismaService;
const revocations = new SessionRevocations();
const auth = new AuthService(prisma, tokens, new SessionService(prisma, tokens, revocations, config));

type Middleware = (socket: OperateSocket, next: (error?: Error & { data?: unknown }) => void) => void;

const replay = {
  attach: async (socket: OperateSocket, user: AuthUser) => {
    await socket.join(await new SocketRoomRegistry().roomsFor(user));
    return { kind: 'live', cursor: 7 } as const;
  },
} as unknown as ReplayService;
const fanout = { lastCursor: 7 } as unknown as EventFanout;

function setup(options: { registerPing?: boolean } = {}) {
  const registry = new SocketCommandRegistry();
  const serverRef = new SocketServerRef();
  const socketSessions = new SocketSessions(serverRef, revocations, prisma, config);
  const metrics = new Metrics();
  const presence = { connected: () => undefined, disconnected: () => undefined } as unknown as PresenceService;
  const connections = new SocketConnections(config, metrics, presence);
  const expiry = new TokenExpiry(tokens, auth, registry);
  const dispatcher = new CommandDispatcher(registry, config);
  const gateway = new EventsGateway(
    serverRef,
    new SocketHandshake(
      auth,
      new HandshakeLimits(new RateLimits(config, new RedisLink()), config, serverRef),
      connections,
      new SocketRoomRegistry(),
      config,
    ),
    connections,
    dispatcher,
    new SocketAttachment(expiry, new SocketSubscriptions(fanout, config, registry), replay, socketSessions, metrics, presence),
  );
  if (options.registerPing !== false) {
    dispatcher.onModuleInit();
    expiry.onModuleInit();
  }
  let middleware: Middleware | undefined;
  const announced: string[] = [];
  gateway.afterInit({
    use: (fn: Middleware) => (middleware = fn),
    local: { emit: (event: string) => announced.push(event) > 0 },
    // No socket of the user is in a room yet: the handshaking one has not joined.
    sockets: { adapter: { rooms: new Map() }, sockets: new Map() },
    engine: { opts: {}, on: () => undefined, use: () => undefined },
  } as unknown as OperateServer);
  return {
    gateway,
    registry,
    announced,
    socketSessions,
    connections,
    handshake: (socket: OperateSocket) => new Promise<(Error & { data?: unknown }) | undefined>((resolve) => middleware?.(socket, resolve)),
  };
}

function fakeSocket(auth: Record<string, unknown>) {
  const joined: string[] = [];
  const emitted: EventEnvelope[] = [];
  let listener: ((event: unknown, ...args: unknown[]) => void) | undefined;
  const disconnected: boolean[] = [];
  const handlers = new Map<string, (this: OperateSocket) => void>();
  const socket = {
    id: 'socket-1',
    disconnect: (close: boolean) => disconnected.push(close) > 0,
    handshake: { auth, headers: { 'user-agent': 'Mozilla/5.0', 'accept-language': 'en' } },
    request: { socket: { remoteAddress: '127.0.0.1' }, headers: {} },
    conn: {},
    data: {},
    join: (rooms: string[]) => {
      joined.push(...rooms);
      return Promise.resolve();
    },
    onAny: (fn: typeof listener) => {
      listener = fn;
    },
    emit: (_event: string, envelope: EventEnvelope) => emitted.push(envelope) > 0,
    on: (event: string, fn: (this: OperateSocket) => void) => handlers.set(event, fn),
  } as unknown as OperateSocket;
  /** Sends a client message; resolves with the ack answer (or undefined when sent without an ack). */
  const send = (event: unknown, ...args: unknown[]) =>
    new Promise<Ack<unknown> | undefined>((resolve) => {
      // socket.io calls its listeners on the socket.
      listener?.call(socket, event, ...args, (answer: Ack<unknown>) => resolve(answer));
    });
  const sendWithoutAck = (event: unknown, ...args: unknown[]) => listener?.call(socket, event, ...args);
  const disconnect = () => handlers.get('disconnect')?.call(socket);
  return { socket, joined, emitted, send, sendWithoutAck, disconnected, disconnect };
}

describe(EventsGateway.name, () => {
  // One case makes a handler fail on purpose; its error log is expected.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  describe('handshake', () => {
    it('accepts a valid token and puts the user, with its current role, on socket.data', async () => {
      const { handshake } = setup();
      const { accessToken } = tokens.issue(active, session.active);
      const { socket } = fakeSocket({ token: accessToken, cursor: 9 });
      await expect(handshake(socket)).resolves.toBeUndefined();
      expect(socket.data.user).toMatchObject({ userId: active.id, organizationId: active.organizationId, role: 'ADMIN' });
      // The bearer token is not kept for the socket's lifetime; the rest of `auth` is, as sent. Nor are the headers.
      expect(socket.handshake.auth).toStrictEqual({ token: undefined, cursor: 9 });
      expect(socket.handshake.headers).toStrictEqual({});
    });

    it('lets no socket attach that its handshake did not admit', async () => {
      const { gateway } = setup();
      const { socket, joined, emitted, disconnected } = fakeSocket({});
      socket.data.user = {
        userId: active.id,
        organizationId: active.organizationId,
        role: 'MEMBER',
        sessionId: session.active.id,
        expiresAt: 0,
      };
      await gateway.handleConnection(socket);
      expect(joined).toEqual([]);
      expect(emitted).toEqual([expect.objectContaining({ type: 'error', payload: expect.objectContaining({ code: ErrorCode.Internal }) })]);
      expect(disconnected).toEqual([true]);
    });

    it.each([
      ['no token', {}, 'unauthorized'],
      ['a token that is not a string', { token: { forged: true } }, 'unauthorized'],
      ['an inactive user', 'inactive', 'unauthorized'],
      ['a token of an ended session', 'revoked', 'session_revoked'],
      ['an expired token', 'expired', 'token_expired'],
    ])('refuses %s with a coded connect_error', async (_name, auth, code) => {
      const { handshake } = setup();
      let handshakeAuth: Record<string, unknown>;
      if (auth === 'inactive') handshakeAuth = { token: tokens.issue(inactive, session.inactive).accessToken };
      else if (auth === 'revoked') handshakeAuth = { token: tokens.issue(active, session.revoked).accessToken };
      else if (auth === 'expired') {
        const claims = { sub: active.id, org: active.organizationId, role: 'MEMBER', sid: session.active.id, typ: 'access' };
        handshakeAuth = {
          token: jwt.sign(claims, config.jwt.accessSecret, {
            issuer: config.jwt.issuer,
            audience: config.jwt.audience,
            expiresIn: -1,
          }),
        };
      } else handshakeAuth = auth as Record<string, unknown>;
      const error = await handshake(fakeSocket(handshakeAuth).socket);
      expect(error?.message).toBe(code);
      expect(error?.data).toMatchObject({ code });
    });
  });

  it('refuses new handshakes once the server is shutting down', async () => {
    const { gateway, handshake, announced } = setup();
    gateway.beforeApplicationShutdown();
    expect(announced).toEqual(['shutting_down']);
    const { accessToken } = tokens.issue(active, session.active);
    const error = await handshake(fakeSocket({ token: accessToken }).socket);
    expect(error?.message).toBe('shutting_down');
  });

  describe('connection', () => {
    async function connected(options?: {
      registerPing?: boolean;
      session?: { id: string; refreshGeneration: number };
      before?: (context: ReturnType<typeof setup>) => void;
    }) {
      const context = setup(options);
      const client = fakeSocket({ token: tokens.issue(active, options?.session ?? session.active).accessToken });
      await expect(context.handshake(client.socket)).resolves.toBeUndefined();
      options?.before?.(context);
      await context.gateway.handleConnection(client.socket);
      return { ...context, ...client };
    }

    it('joins the user and organization rooms and says connected', async () => {
      const { joined, emitted } = await connected();
      expect(joined).toEqual([`user:${active.id}`, `org:${active.organizationId}`]);
      expect(emitted[0]).toMatchObject({
        type: 'connected',
        cursor: null,
        payload: { userId: active.id, organizationId: active.organizationId, socketId: 'socket-1', cursor: 7 },
      });
    });

    it('cuts a socket whose session was ended while it was handshaking, once it has joined its rooms', async () => {
      const ended = session.endedMeanwhile.id;
      const { joined, emitted, disconnected, socketSessions } = await connected({
        session: session.endedMeanwhile,
        before: ({ socketSessions }) => {
          socketSessions.onModuleInit();
          revocations.revoked({ userId: active.id, sessionIds: [ended], reason: 'logout' });
        },
      });
      socketSessions.onApplicationShutdown();
      expect(joined).toContain(`user:${active.id}`);
      expect(emitted).toEqual([
        expect.objectContaining({ type: 'error', payload: expect.objectContaining({ code: ErrorCode.SessionRevoked }) }),
      ]);
      expect(disconnected).toEqual([true]);
    });

    it('gives the user’s place back when the socket disconnects, through the one listener it registered', async () => {
      const { connections, disconnect, socket } = await connected();
      expect(connections.isFull(active.id)).toBe(config.sockets.perUserMax === 1);
      expect(socket.data.counted).toBe(true);
      disconnect();
      expect(socket.data.counted).toBe(false);
      expect(connections.isFull(active.id)).toBe(false);
      // Nothing waits on its token's expiry any more.
      expect(socket.data.expiresAt).toBeUndefined();
    });

    it('answers ping', async () => {
      const { send } = await connected();
      await expect(send('ping', {})).resolves.toMatchObject({ ok: true, data: { serverTime: expect.any(String) } });
      await expect(send('ping', null)).resolves.toMatchObject({ ok: true });
    });

    it.each([
      ['an unknown command', ['nope', {}], ErrorCode.UnknownCommand],
      ['a non-string event name', [42, {}], ErrorCode.UnknownCommand],
      ['a wrong field type', ['ping', { sentAt: 1 }], ErrorCode.InvalidPayload],
      ['an unknown field', ['ping', { admin: true }], ErrorCode.InvalidPayload],
      ['too many arguments', ['ping', {}, {}], ErrorCode.InvalidPayload],
      ['an oversized message', ['ping', { sentAt: 'x'.repeat(20_000) }], ErrorCode.PayloadTooLarge],
    ])('answers %s with a coded ack error', async (_name, [event, ...args], code) => {
      const { send } = await connected();
      await expect(send(event, ...args)).resolves.toMatchObject({ ok: false, error: { code, message: expect.any(String) } });
    });

    it('reports a command sent without an ack as an error event', async () => {
      const { sendWithoutAck, emitted } = await connected();
      sendWithoutAck('ping', {});
      await new Promise((resolve) => setImmediate(resolve));
      expect(emitted.at(-1)).toMatchObject({ type: 'error', payload: { code: ErrorCode.AckRequired } });
    });

    it('turns a handler CommandError into its code, and any other failure into internal_error', async () => {
      const forbidden = await connected({ registerPing: false });
      forbidden.registry.register('ping', () => {
        throw new CommandError('forbidden', 'not yours');
      });
      await expect(forbidden.send('ping', {})).resolves.toEqual({ ok: false, error: { code: 'forbidden', message: 'not yours' } });

      const broken = await connected({ registerPing: false });
      broken.registry.register('ping', () => Promise.reject(new Error('database down')));
      await expect(broken.send('ping', {})).resolves.toMatchObject({ ok: false, error: { code: ErrorCode.Internal } });
    });
  });
});
