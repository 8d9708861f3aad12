import { Injectable } from '@nestjs/common';
import type { OperateServer } from './socket-types.js';

/** Holds the socket.io server once the gateway is up; only EventsModule sees it. */
@Injectable()
export class SocketServerRef {
  private server: OperateServer | undefined;

  set(server: OperateServer): void {
    this.server = server;
  }

  get(): OperateServer | undefined {
    return this.server;
  }
}
