import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { loadConfig } from '../../config/config.js';
import { RateLimits } from '../../operations/rate-limits.js';
import { RedisLink } from '../../operations/redis-link.js';
import { HandshakeLimits } from './handshake-limits.js';
import { SocketServerRef } from './socket-server.ref.js';
import type { OperateServer, OperateSocket } from './socket-types.js';

const config = loadConfig({
  JWT_ACCESS_SECRET: 'a'.repeat(32),
  JWT_REFRESH_SECRET: 'r'.repeat(32),
  PENDING_CONNECTIONS_PER_ADDRESS: '2',
});

function server() {
  const middlewares: ((request: unknown, response: unknown, next: () => void) => void)[] = [];
  const opts: { allowRequest?: (request: unknown, callback: (error: unknown, ok: boolean) => void) => void } = {};
  const engine = Object.assign(new EventEmitter(), {
    opts,
    use: (middleware: (typeof middlewares)[number]) => middlewares.push(middleware),
  });
  const ref = new SocketServerRef();
  const limits = new HandshakeLimits(new RateLimits(config, new RedisLink()), config, ref);
  ref.set({ engine } as unknown as OperateServer);
  const request = { socket: { remoteAddress: '10.0.0.7' }, headers: {} };
  const open = () => {
    const connection = Object.assign(new EventEmitter(), { request });
    engine.emit('connection', connection);
    return connection;
  };
  /** A WebSocket upgrade through the engine's middlewares, answered (as Engine.IO does) with a stand-in response. */
  const upgrade = (upgradeRequest: object) => {
    const standIn = { req: upgradeRequest as object | null };
    for (const middleware of middlewares) middleware(upgradeRequest, standIn, () => undefined);
    return standIn;
  };
  const allowed = () => new Promise<boolean>((resolve) => engine.opts.allowRequest?.(request, (_error, ok) => resolve(ok)));
  return { limits, open, allowed, request, upgrade, engine };
}

describe(HandshakeLimits.name, () => {
  it('counts connections not yet authenticated per address, and lets an authenticated one go with its listener and request', async () => {
    const { limits, open, allowed, request } = server();
    const first = open();
    const second = open();
    expect(await allowed()).toBe(false);
    limits.authenticated({ conn: first, request } as unknown as OperateSocket);
    expect(await allowed()).toBe(true);
    // Its connection lets the upgrade request go; one still authenticating keeps its own.
    expect(first.request).toBeNull();
    expect(second.request).toBe(request);
    // An hours-long connection carries no listener of the limits'.
    expect(first.listenerCount('close')).toBe(0);
    // Closing it later does not count it out twice.
    first.emit('close');
    const third = open();
    expect(await allowed()).toBe(false);
    second.emit('close');
    expect(await allowed()).toBe(true);
    third.emit('close');
  });

  it('lets the stand-in response of a WebSocket upgrade drop its request once the connection opens', () => {
    const { upgrade, engine } = server();
    const upgradeRequest = { socket: { remoteAddress: '10.0.0.8' }, headers: {} };
    const standIn = upgrade(upgradeRequest);
    expect(standIn.req).toBe(upgradeRequest);
    engine.emit('connection', Object.assign(new EventEmitter(), { request: upgradeRequest }));
    expect(standIn.req).toBeNull();
  });
});
