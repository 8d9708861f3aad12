import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { coalesceFlushes, holdWrites, releaseWrites } from './socket-writes.js';

const PACKETS = 20;

let http: HttpServer | undefined;
let server: Server | undefined;
let client: ClientSocket | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  http?.close();
});

/** Counts the writes to the socket's TCP connection (ws's, under Engine.IO's transport) from now on. */
function countWrites(socket: Socket): () => number {
  let writes = 0;
  const tcp = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket } }).socket._socket;
  const methods = tcp as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  for (const method of ['_write', '_writev'] as const) {
    const original = methods[method].bind(tcp);
    methods[method] = (...args: unknown[]) => {
      writes++;
      original(...args);
    };
  }
  return () => writes;
}

describe('coalesceFlushes', () => {
  /** Emits PACKETS events at once to one client; how many writes reached its TCP socket, and what it received. */
  async function burst(coalesce: boolean): Promise<{ writes: number; received: number[] }> {
    http = createServer();
    server = new Server(http, { transports: ['websocket'] });
    if (coalesce) coalesceFlushes(server);
    let writes = () => 0;
    server.on('connection', (socket) => {
      socket.on('ready', () => {
        writes = countWrites(socket);
        for (let index = 0; index < PACKETS; index++) socket.emit('n', index);
      });
    });
    await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    const received: number[] = [];
    await new Promise<void>((resolve, reject) => {
      client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
      client.on('connect', () => client?.emit('ready'));
      client.on('connect_error', reject);
      client.on('n', (index: number) => {
        received.push(index);
        if (received.length === PACKETS) resolve();
      });
    });
    return { writes: writes(), received };
  }

  it('sends packets flushed together in one write, all of them, in order', async () => {
    const { writes, received } = await burst(true);
    expect(received).toEqual(Array.from({ length: PACKETS }, (_, index) => index));
    // The first packet goes out at once; the others, buffered meanwhile, in one write.
    expect(writes).toBeLessThanOrEqual(2);
  });

  it('is what makes the difference: without it, a write per packet', async () => {
    const { writes, received } = await burst(false);
    expect(received).toHaveLength(PACKETS);
    expect(writes).toBeGreaterThanOrEqual(PACKETS - 1);
  });
});

describe('holdWrites', () => {
  /**
   * A server whose middleware admits each socket (holding its writes when `hold`), and whose connection handler
   * emits two events after an await — as `connected` goes out after the rooms are joined — then releases the
   * writes. Counts the writes to the TCP socket from admission on, and what the client saw, in order.
   */
  async function connectOnce(hold: boolean, then?: (socket: Socket) => void) {
    http = createServer();
    server = new Server(http, { transports: ['websocket'] });
    coalesceFlushes(server);
    let writes = () => 0;
    server.use((socket, next) => {
      writes = countWrites(socket);
      if (hold) holdWrites(socket.conn);
      next();
    });
    server.on('connection', async (socket) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.emit('event', 'first');
      socket.emit('event', 'second');
      then?.(socket);
      releaseWrites(socket.conn);
    });
    await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
      client.on('connect', () => seen.push('connect'));
      client.on('connect_error', reject);
      client.on('disconnect', () => {
        seen.push('disconnect');
        resolve();
      });
      client.on('event', (name: string) => {
        seen.push(name);
        if (name === 'second' && !then) resolve();
      });
    });
    return { writes: writes(), seen };
  }

  it('sends the CONNECT ack with what follows it once released: one write, in order', async () => {
    const { writes, seen } = await connectOnce(true);
    expect(seen).toEqual(['connect', 'first', 'second']);
    expect(writes).toBe(1);
  });

  it('is what makes the difference: without it, the ack leaves on its own first', async () => {
    const { writes, seen } = await connectOnce(false);
    expect(seen).toEqual(['connect', 'first', 'second']);
    expect(writes).toBeGreaterThanOrEqual(2);
  });

  it('still delivers a disconnect made while the writes were held, after what was sent before it', async () => {
    const { seen } = await connectOnce(true, (socket) => socket.disconnect(true));
    expect(seen).toEqual(['connect', 'first', 'second', 'disconnect']);
  });

  it('does nothing for a connection whose writes it did not hold, or a second time', () => {
    let flushed = 0;
    const connection = { transport: { name: 'polling', writable: true }, flush: () => flushed++ };
    holdWrites(connection);
    expect(connection.transport.writable).toBe(true);
    releaseWrites(connection);
    expect(flushed).toBe(0);
    const websocket = { transport: { name: 'websocket', writable: true }, flush: () => flushed++ };
    holdWrites(websocket);
    expect(websocket.transport.writable).toBe(false);
    releaseWrites(websocket);
    releaseWrites(websocket);
    expect(websocket.transport.writable).toBe(true);
    expect(flushed).toBe(1);
  });
});
