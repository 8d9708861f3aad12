import { ServerResponse, type IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { clientAddress } from '../../common/client-address.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { Limit, RateLimits, type Verdict } from '../../operations/rate-limits.js';
import { SocketServerRef } from './socket-server.ref.js';
import type { OperateServer, OperateSocket } from './socket-types.js';

/** The part of an Engine.IO connection the limits use. */
interface EngineConnection {
  request: IncomingMessage | null;
  once(event: 'close', listener: () => void): void;
  off(event: 'close', listener: () => void): void;
}

/**
 * What one client address may cost the socket server before it is authenticated: handshakes per second
 * (across every node; a token check and a session query each) and connections open but not yet
 * authenticated (on this node: they hold its memory until socket.io's connect timeout).
 */
@Injectable()
export class HandshakeLimits {
  /** Connections per address that have not authenticated yet, on this node. */
  private readonly pending = new Map<string, number>();
  /** Each pending connection, with its close listener (removed once it authenticates). */
  private readonly waiting = new WeakMap<object, () => void>();
  /** Engine.IO's stand-in response of each WebSocket upgrade, until its connection opens. */
  private readonly upgrades = new WeakMap<IncomingMessage, { req: IncomingMessage | null }>();

  constructor(
    private readonly limits: RateLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    serverRef: SocketServerRef,
  ) {
    serverRef.whenReady((server) => this.attach(server));
  }

  /** The client address a connection comes from, as the HTTP routes see it (`request.ip`, through TRUST_PROXY). */
  addressOf(request: IncomingMessage): string {
    return clientAddress(request, this.config.trustProxy);
  }

  /** Refuses a new transport connection from an address that already holds too many unauthenticated ones (HTTP 403). */
  private attach(server: OperateServer): void {
    const cap = this.config.limits.pendingConnectionsPerAddress;
    server.engine.opts.allowRequest = (request, callback) => {
      const allowed = (this.pending.get(this.addressOf(request)) ?? 0) < cap;
      callback(allowed ? null : 'too_many_connections', allowed);
    };
    // Engine.IO answers a WebSocket upgrade with a stand-in response that keeps the request for as long as the
    // TCP socket is open (a close listener holds it); nothing reads it once the connection has opened.
    server.engine.use((request: IncomingMessage, response: ServerResponse | { req: IncomingMessage | null }, next: () => void) => {
      if (!(response instanceof ServerResponse)) this.upgrades.set(request, response);
      next();
    });
    // A new connection has its upgrade request (until a socket on it authenticates).
    server.engine.on('connection', (connection: EngineConnection & { request: IncomingMessage }) => {
      const upgrade = this.upgrades.get(connection.request);
      if (upgrade) upgrade.req = null;
      this.upgrades.delete(connection.request);
      const address = this.addressOf(connection.request);
      this.pending.set(address, (this.pending.get(address) ?? 0) + 1);
      const closed = () => this.release(connection, address);
      this.waiting.set(connection, closed);
      connection.once('close', closed);
    });
  }

  /** One more handshake from the socket's address: allowed, or to be refused with `rate_limited`. */
  admit(socket: OperateSocket): Promise<Verdict> {
    return this.limits.take(Limit.HandshakesPerAddress, this.addressOf(socket.request));
  }

  /**
   * The socket has authenticated: its connection no longer counts as pending, and lets its upgrade request go.
   * Engine.IO would keep that request (its parser state, streams, raw headers) for as long as the connection is
   * open; what handlers read of it is in `socket.handshake`, built before. No second handshake comes over the
   * connection: socket.io closes one that asks to join the namespace again.
   */
  authenticated(socket: OperateSocket): void {
    const connection = socket.conn as unknown as EngineConnection;
    const closed = this.waiting.get(connection);
    // Its listener goes too: a connection open for hours need not carry it.
    if (closed) connection.off('close', closed);
    this.release(connection, this.addressOf(socket.request));
    connection.request = null;
  }

  private release(connection: object, address: string): void {
    if (!this.waiting.delete(connection)) return;
    const left = (this.pending.get(address) ?? 1) - 1;
    if (left > 0) this.pending.set(address, left);
    else this.pending.delete(address);
  }
}
