import type { SocketLimits } from '../../config/config.js';

export type RateVerdict = 'accept' | 'refuse' | 'disconnect';

/**
 * One socket's allowance of client messages: a token bucket (`messagesPerSecond` refilled, up to
 * `messageBurst` at once). A message over the allowance is refused; `abuseDisconnectAfter` refusals in a
 * row (no accepted message between them) mean a flood, and the socket is let go.
 */
export class MessageAllowance {
  private tokens: number;
  private refilledAt: number;
  private refusedInARow = 0;

  constructor(
    private readonly limits: Pick<SocketLimits, 'messagesPerSecond' | 'messageBurst' | 'abuseDisconnectAfter'>,
    now: number,
  ) {
    this.tokens = limits.messageBurst;
    this.refilledAt = now;
  }

  take(now: number): RateVerdict {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.limits.messageBurst, this.tokens + (elapsed / 1000) * this.limits.messagesPerSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInARow = 0;
      return 'accept';
    }
    this.refusedInARow += 1;
    return this.refusedInARow >= this.limits.abuseDisconnectAfter ? 'disconnect' : 'refuse';
  }
}

/** Sockets per user on this node: a handshake takes a place (or is refused), a disconnect gives it back. */
export class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  tryTake(userId: string): boolean {
    const count = this.counts.get(userId) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(userId, count + 1);
    return true;
  }

  release(userId: string): void {
    const count = this.counts.get(userId) ?? 0;
    if (count <= 1) this.counts.delete(userId);
    else this.counts.set(userId, count - 1);
  }

  count(userId: string): number {
    return this.counts.get(userId) ?? 0;
  }
}
