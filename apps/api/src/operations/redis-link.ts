import { Injectable } from '@nestjs/common';

/** The part of a node-redis client the health check and the outbox tail use. */
export interface Pingable {
  readonly isReady: boolean;
  ping(): Promise<string>;
}

/** Publish and subscribe on the adapter's connections: the relay's own channels between nodes. */
export interface PubSub {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
}

/** The Redis connections the socket adapter opened (set at start when REDIS_URL is set). */
@Injectable()
export class RedisLink {
  private clients: readonly Pingable[] = [];
  /** Channels of this node's own on the same connections (set with them). */
  pubSub: PubSub | undefined;

  /** The publishing connection first (`/health` pings it), then the subscribing one. */
  attach(clients: readonly Pingable[], pubSub?: PubSub): void {
    this.clients = clients;
    this.pubSub = pubSub;
  }

  get configured(): boolean {
    return this.clients.length > 0;
  }

  get current(): Pingable | undefined {
    return this.clients[0];
  }

  /**
   * Whether events reach this node through Redis now: configured, and both connections ready. While not, the
   * node reads what the relay leader numbered from the database itself (OutboxTail).
   */
  get ready(): boolean {
    return this.clients.length > 0 && this.clients.every((client) => client.isReady);
  }
}

/** The commands socket.io's Redis adapter sends without waiting for their answer. */
const UNAWAITED_ADAPTER_COMMANDS = ['publish', 'subscribe', 'unsubscribe', 'pSubscribe', 'pUnsubscribe'] as const;

/**
 * Prepares a client for socket.io's Redis adapter, which publishes (and subscribes) without waiting for the
 * answer: a command lost with the connection (Redis killed, a reset) would reject with nobody listening, and
 * Node ends a process on an unhandled rejection. Each such command's promise gets a listener that reports the
 * failure; the promise itself is returned unchanged, so whoever does await it still sees the error.
 */
export function reportUnawaitedFailures<T extends object>(client: T, report: (command: string, error: unknown) => void): T {
  const methods = client as unknown as Record<string, unknown>;
  for (const command of UNAWAITED_ADAPTER_COMMANDS) {
    const original = methods[command];
    if (typeof original !== 'function') continue;
    methods[command] = (...args: unknown[]): unknown => {
      const result: unknown = Reflect.apply(original, client, args);
      if (result instanceof Promise) result.catch((error: unknown) => report(command, error));
      return result;
    };
  }
  return client;
}
