import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvoiceEvent, ProtocolEvent } from '@operate/shared';
import { Server, type Socket } from 'socket.io';
import { BenchClient, Counters } from './client.js';

/** A real socket.io 4.8 server on loopback that records handshakes; pings fast so the raw client must answer. */
async function server(accept: (auth: Record<string, unknown>) => boolean) {
  const http = createServer();
  const io = new Server(http, { pingInterval: 50, pingTimeout: 100 });
  const handshakes: Record<string, unknown>[] = [];
  const sockets: Socket[] = [];
  io.use((socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown>;
    handshakes.push(auth);
    next(accept(auth) ? undefined : new Error('unauthorized'));
  });
  io.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, handshakes, sockets, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

const spec = { auth: { token: 't' }, organizationId: 'o1', userId: 'u1' };
const invoice = (invoiceId: string) => ({ invoiceId, invoiceNumber: 'INV-1' });
let running: Server | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe(BenchClient.name, () => {
  it('speaks Engine.IO/Socket.IO to a bare server: connects, stays up through pings, counts and records events', async () => {
    const bare = await server(() => true);
    running = bare.io;
    const counters = new Counters();
    const client = new BenchClient(3, spec, 'bare', counters);
    await client.open(bare.url, 2_000);
    expect(bare.handshakes).toEqual([{ token: 't' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bare.sockets[0]?.connected).toBe(true);
    counters.recording = true;
    counters.measuring = true;
    bare.sockets[0]?.emit(InvoiceEvent.Created, { ...invoice('i1'), occurredAt: new Date().toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counters.deliveries).toBe(1);
    expect(counters.receipts.map(([index, invoiceId]) => [index, invoiceId])).toEqual([[3, 'i1']]);
    expect(counters.latencies).toHaveLength(1);
    expect(counters.latencies[0]).toBeGreaterThanOrEqual(-1);
    client.drop();
  });

  it("waits for Operate's connected event, keeps the cursor it is given and resumes from the last one seen", async () => {
    const operate = await server(() => true);
    running = operate.io;
    operate.io.on('connection', (socket) => {
      socket.emit(ProtocolEvent.Connected, { type: ProtocolEvent.Connected, cursor: null, payload: { cursor: 7 } });
    });
    const counters = new Counters();
    const client = new BenchClient(0, spec, 'operate', counters);
    await client.open(operate.url, 2_000);
    const envelope = { id: 'e8', type: InvoiceEvent.Created, occurredAt: new Date().toISOString(), cursor: 8, payload: invoice('i8') };
    operate.sockets[0]?.emit(InvoiceEvent.Created, envelope);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counters.deliveries).toBe(1);
    client.drop();
    await client.open(operate.url, 2_000);
    expect(operate.handshakes).toEqual([{ token: 't' }, { token: 't', cursor: 8 }]);
    client.drop();
  });

  it('fails the open with the server’s connect_error', async () => {
    const refusing = await server(() => false);
    running = refusing.io;
    const client = new BenchClient(0, spec, 'bare', new Counters());
    await expect(client.open(refusing.url, 2_000)).rejects.toThrow(/connect_error.*unauthorized/);
  });
});
