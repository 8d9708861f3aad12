import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { ErrorCode, type Ack, type EventEnvelope } from '@operate/shared';
import { AuthService } from '../auth/auth.service.js';
import { TokenService, type AuthUser } from '../auth/token.service.js';
import { loadConfig } from '../config/config.js';
import { Metrics } from '../operations/metrics.service.js';
import type { PrismaService } from '../prisma/prisma.service.js';
import type { EventBus } from './event-bus.js';
import { EventsGateway } from './events.gateway.js';
import type { PresenceService } from './presence.service.js';
import type { ReplayService } from './replay.service.js';
import { SocketRoomRegistry } from './socket-rooms.js';
import { CommandError, SocketCommandRegistry } from './socket-commands.js';
import { SocketServerRef } from './socket-server.ref.js';
import { SocketSubscriptions } from './socket-subscriptions.js';
import type { EventFanout } from './fanout.service.js';
import type { OperateServer, OperateSocket } from './socket-types.js';

const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32) });
const tokens = new TokenService(config);
const active = {
  id: '0d9d6a8c-7b1e-4a43-9f0e-2b7f3f1a2c11',
  organizationId: '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c11',
  role: 'MEMBER' as const,
};
const inactive = { ...active, id: '9e107d9d-372b-4b68-8f5a-6c1c2b3d4e5f' };

// AuthService's batched account query: the ids asked for → their rows (the active user was promoted to ADMIN).
const accounts = [
  { id: active.id, organizationId: active.organizationId, active: true, role: 'ADMIN' },
  { id: inactive.id, organizationId: inactive.organizationId, active: false, role: 'MEMBER' },
];
const prisma = {
  rows: (_sql: string, [ids]: [string[]]) => Promise.resolve(accounts.filter((account) => ids.includes(account.id))),
} as unknown as PrismaService;
const auth = new AuthService(prisma, tokens);

type Middleware = (socket: OperateSocket, next: (error?: Error & { data?: unknown }) => void) => void;

const replay = {
  attach: async (socket: OperateSocket, user: AuthUser) => {
    await socket.join(await new SocketRoomRegistry().roomsFor(user));
    return { kind: 'live', cursor: 7 } as const;
  },
} as unknown as ReplayService;
const bus = { attach: () => undefined } as unknown as EventBus;
const fanout = { lastCursor: 7 } as unknown as EventFanout;

function setup(options: { registerPing?: boolean } = {}) {
  const registry = new SocketCommandRegistry();
  const gateway = new EventsGateway(
    tokens,
    auth,
    new SocketServerRef(),
    registry,
    replay,
    bus,
    new SocketSubscriptions(fanout, config),
    config,
    new Metrics(),
    { connected: () => undefined, disconnected: () => undefined } as unknown as PresenceService,
  );
  if (options.registerPing !== false) gateway.onModuleInit();
  let middleware: Middleware | undefined;
  const announced: string[] = [];
  gateway.afterInit({
    use: (fn: Middleware) => (middleware = fn),
    local: { emit: (event: string) => announced.push(event) > 0 },
  } as unknown as OperateServer);
  return {
    gateway,
    registry,
    announced,
    handshake: (socket: OperateSocket) => new Promise<(Error & { data?: unknown }) | undefined>((resolve) => middleware?.(socket, resolve)),
  };
}

function fakeSocket(auth: Record<string, unknown>) {
  const joined: string[] = [];
  const emitted: EventEnvelope[] = [];
  let listener: ((event: unknown, ...args: unknown[]) => void) | undefined;
  const socket = {
    id: 'socket-1',
    handshake: { auth },
    data: {},
    join: (rooms: string[]) => {
      joined.push(...rooms);
      return Promise.resolve();
    },
    onAny: (fn: typeof listener) => {
      listener = fn;
    },
    emit: (_event: string, envelope: EventEnvelope) => emitted.push(envelope) > 0,
  } as unknown as OperateSocket;
  /** Sends a client message; resolves with the ack answer (or undefined when sent without an ack). */
  const send = (event: unknown, ...args: unknown[]) =>
    new Promise<Ack<unknown> | undefined>((resolve) => {
      listener?.(event, ...args, (answer: Ack<unknown>) => resolve(answer));
    });
  const sendWithoutAck = (event: unknown, ...args: unknown[]) => listener?.(event, ...args);
  return { socket, joined, emitted, send, sendWithoutAck };
}

describe(EventsGateway.name, () => {
  // One case makes a handler fail on purpose; its error log is expected.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  describe('handshake', () => {
    it('accepts a valid token and puts the user, with its current role, on socket.data', async () => {
      const { handshake } = setup();
      const { accessToken } = await tokens.issue(active);
      const { socket } = fakeSocket({ token: accessToken });
      await expect(handshake(socket)).resolves.toBeUndefined();
      expect(socket.data.user).toMatchObject({ userId: active.id, organizationId: active.organizationId, role: 'ADMIN' });
    });

    it.each([
      ['no token', {}, 'unauthorized'],
      ['a token that is not a string', { token: { forged: true } }, 'unauthorized'],
      ['an inactive user', 'inactive', 'unauthorized'],
      ['an expired token', 'expired', 'token_expired'],
    ])('refuses %s with a coded connect_error', async (_name, auth, code) => {
      const { handshake } = setup();
      let handshakeAuth: Record<string, unknown>;
      if (auth === 'inactive') handshakeAuth = { token: (await tokens.issue(inactive)).accessToken };
      else if (auth === 'expired') {
        const claims = { sub: active.id, org: active.organizationId, role: 'MEMBER', typ: 'access' };
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
    const { accessToken } = await tokens.issue(active);
    const error = await handshake(fakeSocket({ token: accessToken }).socket);
    expect(error?.message).toBe('shutting_down');
  });

  describe('connection', () => {
    async function connected(options?: { registerPing?: boolean }) {
      const context = setup(options);
      const client = fakeSocket({});
      client.socket.data.user = {
        userId: active.id,
        organizationId: active.organizationId,
        role: 'MEMBER',
        expiresAt: Math.floor(Date.now() / 1000) + 600,
      };
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
