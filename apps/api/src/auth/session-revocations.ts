import { Injectable } from '@nestjs/common';
import type { SessionEndReason } from '../generated/prisma/enums.js';

/** Sessions of one user that have just been ended, and why. */
export interface RevokedSessions {
  readonly userId: string;
  readonly sessionIds: readonly string[];
  readonly reason: SessionEndReason;
}

type Listener = (revoked: RevokedSessions) => void;

/**
 * Told of every committed revocation. The events module listens to end the sessions' live sockets on every
 * node; auth knows nothing of sockets (the dependency runs events → auth only).
 */
@Injectable()
export class SessionRevocations {
  private readonly listeners = new Set<Listener>();

  onRevoked(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  revoked(revoked: RevokedSessions): void {
    if (revoked.sessionIds.length === 0) return;
    for (const listener of this.listeners) listener(revoked);
  }
}
