import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { coalesceFlushes } from './socket-writes.js';

const PACKETS = 20;

describe('coalesceFlushes', () => {
  let http: HttpServer | undefined;
  let server: Server | undefined;
  let client: ClientSocket | undefined;

  afterEach(async () => {
    client?.close();
    await server?.close();
    http?.close();
  });

  /** Emits PACKETS events at once to one client; how many writes reached its TCP socket, and what it received. */
  async function burst(coalesce: boolean): Promise<{ writes: number; received: number[] }> {
    http = createServer();
    server = new Server(http, { transports: ['websocket'] });
    if (coalesce) coalesceFlushes(server);
    let writes = 0;
    server.on('connection', (socket) => {
      socket.on('ready', () => {
        const tcp = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket } }).socket._socket;
        const methods = tcp as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
        for (const method of ['_write', '_writev'] as const) {
          const original = methods[method].bind(tcp);
          methods[method] = (...args: unknown[]) => {
            writes++;
            original(...args);
          };
        }
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
    return { writes, received };
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
