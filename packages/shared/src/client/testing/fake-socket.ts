import { ProtocolEvent, type EventEnvelope, type EventName, type EventPayload } from '../../catalog.js';
import type { Ack, HandshakeAuth } from '../../protocol.js';
import type { HandshakeAuthCallback, RealtimeSocket, SocketFactory } from '../realtime-client.js';

export interface FakePacket {
  readonly event: string;
  readonly request: unknown;
  /** Answers the command as the server would. */
  answer(ack: Ack<unknown>): void;
}

interface PendingPacket extends FakePacket {
  fail(error: Error): void;
}

type Listener = (...args: never[]) => void;

/**
 * A stand-in for socket.io-client's Socket with the same observable rules: emits while disconnected wait in
 * `sendBuffer` and go out on connect; a timed-out emit leaves the buffer and fails its ack; a disconnect fails
 * the acks still pending; a server refusal or server-side disconnect leaves it inactive (no auto-reconnect).
 * The test plays the server: `accept()`, `refuse(code)`, `deliver(event, payload)`, `drop()`.
 */
export class FakeRealtimeSocket implements RealtimeSocket {
  connected = false;
  active = false;
  sendBuffer: FakePacket[] = [];
  /** Commands that reached the server, in order (answered or not). */
  readonly sent: FakePacket[] = [];
  /** Every handshake's `auth`, in order. */
  readonly handshakes: HandshakeAuth[] = [];
  connectCalls = 0;
  private readonly pending = new Set<PendingPacket>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<(event: string, ...args: unknown[]) => void>();
  private nextEventId = 1;

  constructor(private readonly auth: (callback: HandshakeAuthCallback) => void) {}

  static factory(): { readonly create: SocketFactory; readonly socket: () => FakeRealtimeSocket } {
    let created: FakeRealtimeSocket | undefined;
    return {
      create: (_url, options) => (created = new FakeRealtimeSocket(options.auth)),
      socket: () => {
        if (!created) throw new Error('no socket was created');
        return created;
      },
    };
  }

  on(event: string, listener: Listener): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  onAny(listener: (event: string, ...args: unknown[]) => void): this {
    this.anyListeners.add(listener);
    return this;
  }

  connect(): this {
    this.connectCalls += 1;
    this.active = true;
    return this;
  }

  disconnect(): this {
    const wasConnected = this.connected;
    this.active = false;
    this.connected = false;
    this.failPending();
    if (wasConnected) this.fire('disconnect', 'io client disconnect');
    return this;
  }

  timeout(ms: number) {
    return {
      emit: (event: string, request: unknown, ack: (error: Error | null, response?: unknown) => void) => {
        let settled = false;
        const settle = (error: Error | null, response?: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.pending.delete(packet);
          this.sendBuffer = this.sendBuffer.filter((queued) => queued !== packet);
          ack(error, response);
        };
        const packet: PendingPacket = {
          event,
          request,
          answer: (response) => settle(null, response),
          fail: (error) => settle(error),
        };
        const timer = setTimeout(() => settle(new Error('operation has timed out')), ms);
        this.pending.add(packet);
        if (this.connected) this.sent.push(packet);
        else this.sendBuffer.push(packet);
      },
    };
  }

  /** The server accepts the pending handshake: resolves with the `auth` the client sent. */
  async accept(): Promise<HandshakeAuth> {
    if (!this.active) throw new Error('accept() without a connection attempt');
    const auth = await new Promise<HandshakeAuth>((resolve) => this.auth((value) => resolve(value as HandshakeAuth)));
    this.handshakes.push(auth);
    this.connected = true;
    this.fire('connect');
    const buffered = this.sendBuffer;
    this.sendBuffer = [];
    this.sent.push(...buffered);
    return auth;
  }

  /** The server's middleware refuses the handshake with a coded `connect_error`. */
  async refuse(code: string): Promise<HandshakeAuth> {
    const auth = await new Promise<HandshakeAuth>((resolve) => this.auth((value) => resolve(value as HandshakeAuth)));
    this.handshakes.push(auth);
    this.active = false;
    this.fire('connect_error', Object.assign(new Error(code), { data: { code, message: code } }));
    return auth;
  }

  /** The server cannot be reached: socket.io keeps retrying (still active). */
  unreachable(): void {
    this.fire('connect_error', new Error('xhr poll error'));
  }

  /** The connection drops (`transport close`), or the server ends it (`io server disconnect`: no auto-reconnect). */
  drop(reason: 'transport close' | 'ping timeout' | 'io server disconnect' = 'transport close'): void {
    this.connected = false;
    this.active = reason !== 'io server disconnect';
    this.failPending();
    this.fire('disconnect', reason);
  }

  /** The server emits an event with an envelope; a cursor makes it a stream event, none a protocol event. */
  deliver<E extends EventName>(
    event: E,
    payload: EventPayload<E>,
    options: { cursor?: number | null; id?: string } = {},
  ): EventEnvelope<E> {
    const envelope = {
      id: options.id ?? `evt-${this.nextEventId++}`,
      type: event,
      occurredAt: new Date().toISOString(),
      cursor: options.cursor ?? null,
      payload,
    } as EventEnvelope<E>;
    this.redeliver(envelope);
    return envelope;
  }

  /** The same envelope again (a duplicate). */
  redeliver(envelope: EventEnvelope): void {
    if (!this.connected) throw new Error('deliver() while disconnected');
    for (const listener of [...this.anyListeners]) listener(envelope.type, envelope);
  }

  /** Anything at all under any name, as a misbehaving server could send it. */
  emitRaw(event: string, value: unknown): void {
    for (const listener of [...this.anyListeners]) listener(event, value);
  }

  /** Sends `connected` as the gateway does once the rooms are joined. */
  sendConnected(payload: Partial<EventPayload<typeof ProtocolEvent.Connected>> & { cursor: number }): void {
    this.deliver(ProtocolEvent.Connected, {
      userId: '00000000-0000-4000-8000-000000000001',
      organizationId: '00000000-0000-4000-8000-000000000002',
      role: 'MEMBER',
      socketId: 'fake-socket',
      expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      subscriptions: { granted: [], refused: [] },
      ...payload,
    });
  }

  /** Commands sent to the server with this name. */
  commands(event: string): FakePacket[] {
    return this.sent.filter((packet) => packet.event === event);
  }

  private failPending(): void {
    // Like socket.io-client: acks of packets already sent fail on disconnect; buffered ones keep waiting.
    for (const packet of [...this.pending]) {
      if (this.sendBuffer.includes(packet)) continue;
      packet.fail(new Error('socket has been disconnected'));
    }
  }

  private fire(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) (listener as (...values: unknown[]) => void)(...args);
  }
}
