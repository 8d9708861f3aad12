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
