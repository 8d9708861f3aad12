import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';

/** The part of an Engine.IO connection this uses: its transport's WebSocket and the TCP socket under it (ws's `_socket`). */
interface FlushingConnection {
  readonly transport?: { readonly socket?: { readonly _socket?: TcpSocket } };
}

/**
 * Packets flushed to a client together leave in one write to the network instead of one per packet. Engine.IO
 * buffers what is emitted while the client's last write is still in progress, then sends the whole buffer as
 * one WebSocket frame — one system call — per packet: a resume (the replayed events, `resumed`, `connected`) or a
 * burst of live events. The TCP socket is corked for that send and uncorked right after it; Engine.IO announces
 * both (`flush`, `drain`), synchronously around the send. Other transports (long polling) are left alone.
 */
export function coalesceFlushes(server: Pick<Server, 'engine'>): void {
  const corked = new WeakMap<FlushingConnection, TcpSocket>();
  server.engine.on('flush', (connection: FlushingConnection, packets: readonly unknown[]) => {
    if (packets.length < 2) return;
    const tcp = connection.transport?.socket?._socket;
    if (typeof tcp?.cork !== 'function') return;
    tcp.cork();
    corked.set(connection, tcp);
  });
  server.engine.on('drain', (connection: FlushingConnection) => {
    const tcp = corked.get(connection);
    if (!tcp) return;
    corked.delete(connection);
    tcp.uncork();
  });
}

/** The part of an Engine.IO connection whose writes are held: its transport's readiness and its buffer's flush. */
interface HoldableConnection {
  readonly transport?: { readonly name?: string; writable?: boolean };
  flush(): void;
}

const held = new WeakSet<object>();

/**
 * Holds what is sent to a socket that has just passed the handshake — socket.io's CONNECT ack first — until
 * `releaseWrites`: the ack, `connected` and a resume's replay then leave together, one write instead of one each.
 * Engine.IO buffers packets while its transport is not writable and sends the buffer at its next flush. WebSocket
 * transports only, and only one with no write in progress.
 */
export function holdWrites(connection: unknown): void {
  const transport = (connection as HoldableConnection).transport;
  if (transport?.name !== 'websocket' || transport.writable !== true) return;
  transport.writable = false;
  held.add(connection as object);
}

/** Sends what `holdWrites` held (once; a closed connection sends nothing). */
export function releaseWrites(connection: unknown): void {
  if (!held.delete(connection as object)) return;
  const { transport } = connection as HoldableConnection;
  if (transport) transport.writable = true;
  (connection as HoldableConnection).flush();
}
