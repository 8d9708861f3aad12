import { eventsBetween, firstAfter } from './events-by-audience.js';
import type { BusMessage } from './outbox.repository.js';

/** The copy is let go once no resume has read it for this long (a reconnect wave is over by then). */
export const OLDER_EVENTS_IDLE_MS = 30_000;

/**
 * Stored events just older than the fan-out's memory, read once and shared by every resume that needs them.
 * After a reconnect wave, thousands of clients resume from cursors a little before what memory still holds;
 * each reading its own rooms' events from the database scanned every room's events of that range (the stored
 * stream is indexed by cursor, not by room), a cost of clients × range. Here the range is read once, whole,
 * kept as one contiguous run of cursors (lo, hi] indexed by audience, extended at either end as resumes need
 * (its oldest cursors dropped past `capacity`), and let go after OLDER_EVENTS_IDLE_MS unused. A request the run
 * cannot hold is not served (undefined): the caller reads its own rooms' events as before.
 */
export class OlderEvents {
  private lo = 0;
  private hi = 0;
  private byAudience = new Map<string, BusMessage[]>();
  private loading: Promise<void> | undefined;
  private usedAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    /** Every stored event with after < cursor ≤ upTo, in cursor order. */
    private readonly read: (after: number, upTo: number) => Promise<BusMessage[]>,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many cursors the copy spans now (0 when none is held). */
  get span(): number {
    return this.hi - this.lo;
  }

  /**
   * The events with after < cursor ≤ upTo for any of these audiences, in cursor order — every one of them, as
   * long as `upTo` is a cursor this node has delivered — or undefined when the run cannot hold that range: it is
   * wider than `capacity`, or older than a run that has moved on (the run follows the newest requests, as memory
   * does).
   */
  async between(after: number, upTo: number, audiences: Iterable<string>): Promise<BusMessage[] | undefined> {
    if (upTo <= after) return [];
    for (;;) {
      if (this.loading) {
        await this.loading;
        continue;
      }
      if (this.span > 0 && after >= this.lo && upTo <= this.hi) {
        this.touch();
        return eventsBetween(this.byAudience, after, upTo, audiences);
      }
      const hi = Math.max(this.hi, upTo);
      if (hi - after > this.capacity) return undefined;
      this.loading = this.extend(after, hi).finally(() => (this.loading = undefined));
    }
  }

  /** Lets the copy go now (shutdown). */
  clear(): void {
    clearInterval(this.idleTimer);
    this.idleTimer = undefined;
    this.lo = this.hi = 0;
    this.byAudience = new Map();
  }

  /** Makes the run cover (after, hi], dropping its oldest cursors when it would grow past capacity. */
  private async extend(after: number, hi: number): Promise<void> {
    if (this.span > 0 && hi - Math.min(this.lo, after) > this.capacity) this.dropThrough(hi - this.capacity);
    if (this.span === 0) {
      this.add(await this.read(after, hi), 'end');
      [this.lo, this.hi] = [after, hi];
    } else {
      // Never a hole: reading the distance between the run and the request too.
      if (after < this.lo) {
        this.add(await this.read(after, this.lo), 'start');
        this.lo = after;
      }
      if (hi > this.hi) {
        this.add(await this.read(this.hi, hi), 'end');
        this.hi = hi;
      }
    }
    this.touch();
  }

  private dropThrough(cursor: number): void {
    if (cursor >= this.hi) {
      this.clear();
      return;
    }
    for (const [audience, list] of this.byAudience) {
      const kept = list.slice(firstAfter(list, cursor));
      if (kept.length > 0) this.byAudience.set(audience, kept);
      else this.byAudience.delete(audience);
    }
    this.lo = cursor;
  }

  private add(messages: readonly BusMessage[], at: 'start' | 'end'): void {
    const added = new Map<string, BusMessage[]>();
    for (const message of messages)
      for (const audience of message.audiences) {
        const list = added.get(audience);
        if (list) list.push(message);
        else added.set(audience, [message]);
      }
    for (const [audience, list] of added) {
      const existing = this.byAudience.get(audience) ?? [];
      this.byAudience.set(audience, at === 'start' ? [...list, ...existing] : [...existing, ...list]);
    }
  }

  private touch(): void {
    this.usedAt = this.now();
    if (this.idleTimer) return;
    this.idleTimer = setInterval(() => {
      if (!this.loading && this.now() - this.usedAt >= OLDER_EVENTS_IDLE_MS) this.clear();
    }, OLDER_EVENTS_IDLE_MS / 2);
    this.idleTimer.unref();
  }
}
