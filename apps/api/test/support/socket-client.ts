import { Agent } from 'node:http';
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ClientCommandName,
  ClientToServerEvents,
  CommandRequest,
  CommandResponse,
  EventEnvelope,
  EventName,
  ServerToClientEvents,
} from '@operate/shared';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real socket.io client that records every envelope it receives, and can wait for one. */
export class RecordingClient {
  readonly received: EventEnvelope[] = [];
  private waiters: { match: (envelope: EventEnvelope) => boolean; resolve: (envelope: EventEnvelope) => void }[] = [];

  private readonly disconnect: Promise<string>;

  private constructor(readonly socket: ClientSocket) {
    this.disconnect = new Promise((resolve) => socket.once('disconnect', resolve));
    socket.onAny((_event: string, envelope: EventEnvelope) => {
      this.received.push(envelope);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(envelope)) return true;
        waiter.resolve(envelope);
        return false;
      });
    });
  }

  /** Connects with `auth.token` (and `auth.cursor` to resume) and resolves once `connected` arrives. */
  static async connect(
    url: string,
    token: string | undefined,
    extra: { cursor?: unknown; subscriptions?: unknown } = {},
    localAddress?: string,
    transports: ('websocket' | 'polling')[] = ['websocket'],
  ): Promise<RecordingClient> {
    const socket: ClientSocket = io(url, {
      auth: token === undefined ? {} : { token, ...extra },
      transports,
      reconnection: false,
      forceNew: true,
      // WebSocket takes the address itself; long-polling's requests go through an agent bound to it.
      ...(localAddress === undefined ? {} : { localAddress, agent: new Agent({ localAddress }) as unknown as string }),
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

  /** One handshake (from `localAddress` when given): 'connected' (then closed again) or the connect_error's code. */
  static attempt(url: string, token: string, localAddress?: string): Promise<string> {
    const socket: ClientSocket = io(url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    return new Promise((resolve) => {
      socket.once('connect_error', (error) => {
        socket.close();
        resolve(error.message);
      });
      socket.once('connect', () => {
        socket.close();
        resolve('connected');
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

  /** Resolves with the reason once the socket is disconnected (at once if it already is). */
  disconnected(timeoutMs = 15_000): Promise<string> {
    return Promise.race([
      this.disconnect,
      new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  }

  /** Where this client would resume from: the highest cursor of an event, or of connected/resumed/reset. */
  lastCursor(): number {
    return this.received.reduce((highest, envelope) => {
      const position = envelope.cursor ?? (envelope.payload as { cursor?: unknown }).cursor;
      return typeof position === 'number' ? Math.max(highest, position) : highest;
    }, 0);
  }

  /** Sends a client command and resolves with its ack. */
  command<C extends ClientCommandName>(name: C, request: CommandRequest<C>): Promise<Ack<CommandResponse<C>>> {
    // socket.io's typed emitWithAck wants one concrete command name; the catalog types the answer.
    const timed = this.socket.timeout(5_000) as unknown as {
      emitWithAck(name: C, request: CommandRequest<C>): Promise<Ack<CommandResponse<C>>>;
    };
    return timed.emitWithAck(name, request);
  }

  close(): void {
    this.socket.close();
  }
}
