import { Injectable } from '@nestjs/common';

/** Where this process is in its life: serving, or draining before a graceful stop (`/health/ready` says so). */
@Injectable()
export class Lifecycle {
  private drainingSince: number | undefined;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** From now on the node reports not ready, so a load balancer stops sending it new clients. */
  startDraining(): void {
    this.drainingSince ??= Date.now();
  }
}
