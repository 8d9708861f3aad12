/**
 * A load-generator client: a raw `ws` socket speaking just enough Engine.IO v4 / Socket.IO v5 (open,
 * ping/pong, connect, events) — about half the CPU per message of socket.io-client.
 */
import { ProtocolEvent } from '@operate/shared';
import WebSocket from 'ws';
import { now } from './pace.js';
import type { Distribution } from './stats.js';
import type { ClientSpec } from './workload.js';

/** `operate`: ready on the `connected` event (after replay), events are envelopes with a cursor. `bare`: ready on connect. */
export type Protocol = 'operate' | 'bare';

/** One delivered business event: which client, which invoice, when it arrived. */
export type Receipt = readonly [client: number, invoiceId: string, at: number];

const EIO_OPEN = '0';
const EIO_PING = '2';
const EIO_PONG = '3';
const EIO_MESSAGE = '4';
const SIO_CONNECT = '0';
const SIO_DISCONNECT = '1';
const SIO_EVENT = '2';
const SIO_CONNECT_ERROR = '4';

export interface Measurement {
  readonly deliveries: number;
  readonly latencyMs: Distribution;
  readonly cpuUs: number;
  readonly wallMs: number;
}

export class Counters {
  deliveries = 0;
  measuring = false;
  latencies: number[] = [];
  recording = false;
  receipts: Receipt[] = [];
  resets = 0;
  replayed = 0;
  errors: string[] = [];

  delivered(client: number, invoiceId: string, occurredAt: string, at: number): void {
    this.deliveries++;
    if (this.measuring) this.latencies.push(at - Date.parse(occurredAt));
    if (this.recording) this.receipts.push([client, invoiceId, at]);
  }

  problem(message: string): void {
    if (this.errors.length < 20) this.errors.push(message);
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

export class BenchClient {
  private ws: WebSocket | undefined;
  private cursor: number | undefined;

  constructor(
    readonly index: number,
    private readonly spec: ClientSpec,
    private readonly protocol: Protocol,
    private readonly counters: Counters,
  ) {}

  /** Connects; resolves once the server says the client is fully attached (Operate: after its replay). */
  open(url: string, timeoutMs: number): Promise<void> {
    const auth = this.cursor === undefined ? this.spec.auth : { ...this.spec.auth, cursor: this.cursor };
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
      this.ws = ws;
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          ws.terminate();
          reject(error);
        } else resolve();
      };
      const timer = setTimeout(() => settle(new Error(`not attached within ${timeoutMs} ms`)), timeoutMs);
      ws.on('error', (error) => settle(error));
      ws.on('close', () => settle(new Error('closed before attached')));
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        const kind = text[0];
        if (kind === EIO_PING) ws.send(EIO_PONG);
        else if (kind === EIO_OPEN) ws.send(`${EIO_MESSAGE}${SIO_CONNECT}${JSON.stringify(auth)}`);
        else if (kind === EIO_MESSAGE) this.packet(text, settle);
      });
    });
  }

  /** Drops the connection the way a network failure does: no close handshake. */
  drop(): void {
    this.ws?.terminate();
    this.ws = undefined;
  }

  private packet(text: string, settle: (error?: Error) => void): void {
    const type = text[1];
    if (type === SIO_CONNECT) {
      if (this.protocol === 'bare') settle();
    } else if (type === SIO_CONNECT_ERROR) {
      settle(new Error(`connect_error ${text.slice(2, 200)}`));
    } else if (type === SIO_DISCONNECT) {
      this.counters.problem(`client ${this.index}: disconnected by the server`);
    } else if (type === SIO_EVENT) {
      const [name, body] = JSON.parse(text.slice(2)) as [string, unknown];
      this.event(name, body, settle);
    }
  }

  private event(name: string, body: unknown, settle: (error?: Error) => void): void {
    const at = now();
    if (this.protocol === 'bare') {
      this.counters.delivered(this.index, String(field(body, 'invoiceId')), String(field(body, 'occurredAt')), at);
      return;
    }
    switch (name) {
      case ProtocolEvent.Connected: {
        // Where the stream stands for this client: what a real client resumes from, even before its first event.
        const cursor = field(field(body, 'payload'), 'cursor');
        if (typeof cursor === 'number') this.cursor = cursor;
        settle();
        return;
      }
      case ProtocolEvent.Resumed:
        this.counters.replayed += Number(field(field(body, 'payload'), 'replayed') ?? 0);
        return;
      case ProtocolEvent.Reset:
        this.counters.resets++;
        this.cursor = Number(field(field(body, 'payload'), 'cursor'));
        return;
      case ProtocolEvent.Error:
        this.counters.problem(`client ${this.index}: ${JSON.stringify(field(body, 'payload'))}`);
        return;
      default: {
        const cursor = field(body, 'cursor');
        if (typeof cursor === 'number') this.cursor = cursor;
        const payload = field(body, 'payload');
        this.counters.delivered(this.index, String(field(payload, 'invoiceId')), String(field(body, 'occurredAt')), at);
      }
    }
  }
}
