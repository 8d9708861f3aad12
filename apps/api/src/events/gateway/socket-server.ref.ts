import { Injectable } from '@nestjs/common';
import type { OperateServer } from './socket-types.js';

/** Holds the socket.io server once the gateway is up; only EventsModule sees it. */
@Injectable()
export class SocketServerRef {
  private server: OperateServer | undefined;
  private readonly waiting: ((server: OperateServer) => void)[] = [];

  set(server: OperateServer): void {
    this.server = server;
    for (const ready of this.waiting.splice(0)) ready(server);
  }

  get(): OperateServer | undefined {
    return this.server;
  }

  /** Runs `ready` with the server once it exists (now, if it already does): where a service hooks into it. */
  whenReady(ready: (server: OperateServer) => void): void {
    if (this.server) ready(this.server);
    else this.waiting.push(ready);
  }
}
