import { Injectable } from '@nestjs/common';

/** The part of a node-redis client the health check uses. */
export interface Pingable {
  readonly isReady: boolean;
  ping(): Promise<string>;
}

/** The Redis connection the socket adapter opened (set at start when REDIS_URL is set), for `/health`. */
@Injectable()
export class RedisLink {
  private client: Pingable | undefined;

  attach(client: Pingable): void {
    this.client = client;
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  get current(): Pingable | undefined {
    return this.client;
  }
}
