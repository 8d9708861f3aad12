import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, EventEnvelope, EventName, ServerToClientEvents } from '@operate/shared';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real socket.io client that records every envelope it receives, and can wait for one. */
export class RecordingClient {
  readonly received: EventEnvelope[] = [];
  private waiters: { match: (envelope: EventEnvelope) => boolean; resolve: (envelope: EventEnvelope) => void }[] = [];

  private constructor(readonly socket: ClientSocket) {
    socket.onAny((_event: string, envelope: EventEnvelope) => {
      this.received.push(envelope);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(envelope)) return true;
        waiter.resolve(envelope);
        return false;
      });
    });
  }

  /** Connects with `auth.token` and resolves once the server's `connected` event arrives. */
  static async connect(url: string, token: string | undefined): Promise<RecordingClient> {
    const socket: ClientSocket = io(url, {
      auth: token === undefined ? {} : { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const client = new RecordingClient(socket);
    await client.waitFor('connected');
    return client;
  }

  /** Resolves with the connect_error a handshake is refused with. */
  static refusal(url: string, auth: Record<string, unknown>): Promise<Error & { data?: { code: string; message: string } }> {
    const socket: ClientSocket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    return new Promise((resolve, reject) => {
      socket.once('connect_error', (error) => {
        socket.close();
        resolve(error);
      });
      socket.once('connect', () => {
        socket.close();
        reject(new Error('the handshake was accepted'));
      });
    });
  }

  /** Waits (generously) for the next envelope of this type matching `where`, or one already received. */
  waitFor<E extends EventName>(
    type: E,
    where: (envelope: EventEnvelope<E>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<EventEnvelope<E>> {
    const match = (envelope: EventEnvelope) => envelope.type === type && where(envelope as EventEnvelope<E>);
    const already = this.received.find(match);
    if (already) return Promise.resolve(already as EventEnvelope<E>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} within ${timeoutMs} ms; got ${this.received.map((e) => e.type).join(', ')}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (envelope) => {
          clearTimeout(timer);
          resolve(envelope as EventEnvelope<E>);
        },
      });
    });
  }

  ofType<E extends EventName>(type: E): EventEnvelope<E>[] {
    return this.received.filter((envelope) => envelope.type === type) as EventEnvelope<E>[];
  }

  close(): void {
    this.socket.close();
  }
}
