import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { Metrics } from '../../operations/metrics.service.js';
import { RedisLink } from '../../operations/redis-link.js';
import { EventFanout } from './fanout.service.js';
import { OutboxRepository } from './outbox.repository.js';
import { RelayService } from './relay.service.js';

/** At most this many events per read while tailing: a long outage is caught up in steps. */
const TAIL_BATCH = 1_000;

/**
 * Keeps a follower delivering whatever Redis does. The relay leader numbers committed events in the database.
 * While Redis is away, a node that cannot hear the leader reads them itself, every RELAY_POLL_INTERVAL_MS, and
 * hands them to its fan-out, which delivers each once and in cursor order; when Redis returns, the bus takes
 * over and anything read twice is dropped by cursor. While Redis is up, a lost message is seen at the next one
 * (a gap) — but not if it was the last of a burst (sent while this node was resubscribing, or over a connection
 * that silently stopped). So at the same interval the follower compares what it heard with what the leader had
 * recorded as delivered two intervals earlier, and reads what never arrived. Two, so that the leader need send an
 * idle node a watermark (a span with no events) only once an interval.
 */
@Injectable()
export class OutboxTail implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxTail.name);
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private tailing = false;
  /** What the leader had recorded as delivered at the check before the previous one: by now this node has heard it. */
  private expected = 0;
  /** … and at the previous check: expected at the next. */
  private expectedNext = 0;

  constructor(
    private readonly redis: RedisLink,
    private readonly relay: RelayService,
    private readonly fanout: EventFanout,
    private readonly outbox: OutboxRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.metrics.outboxSource = async () => {
      const [{ assignedCursor, deliveredCursor }, pending] = await Promise.all([outbox.progress(), outbox.pendingCount()]);
      return { pending, unconfirmed: Math.max(0, assignedCursor - deliveredCursor) };
    };
    if (config.redisUrl) {
      this.metrics.redisSource = () => redis.ready;
      this.metrics.tailingSource = () => this.tailing;
    }
  }

  onApplicationBootstrap(): void {
    if (!this.config.redisUrl) return;
    this.timer = setInterval(() => void this.tick(), this.config.relay.pollIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Whether this node is reading the outbox itself now (Redis away, another node leads). */
  get active(): boolean {
    return this.tailing;
  }

  async tick(): Promise<void> {
    // The leader hands its own batches to this node's fan-out; with Redis up, the leader sends this node its rooms'
    // events — unless a room it announced has waited too long for the leader to acknowledge it.
    const unheard = this.redis.configured && !this.redis.ready;
    const needed = (unheard || this.fanout.held.overdue()) && this.redis.configured && !this.relay.isLeader;
    if (needed !== this.tailing) {
      this.tailing = needed;
      if (needed && unheard) this.logger.warn('Redis is unreachable: this node reads committed events from the database until it returns');
      else if (needed)
        this.logger.warn('the relay leader has not acknowledged rooms of this node: it reads committed events itself meanwhile');
      else this.logger.log('events reach this node through Redis again');
      // Back: the leader may have missed changes to this node's rooms meanwhile.
      if (!needed) this.fanout.held.announceAll();
    }
    if (this.reading) return;
    this.reading = true;
    try {
      if (needed) await this.readAhead();
      else if (this.redis.configured && !this.relay.isLeader) await this.checkHeard();
      else this.expected = this.expectedNext = 0;
    } catch (error) {
      this.logger.warn({ msg: 'could not read the outbox; trying again', error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.reading = false;
    }
  }

  /** Redis away: everything the leader numbered, without waiting for it to reach this node. */
  private async readAhead(): Promise<void> {
    this.expected = this.expectedNext = 0;
    const { assignedCursor } = await this.outbox.progress();
    const after = this.fanout.lastCursor;
    if (assignedCursor > after) this.fanout.receive(await this.outbox.range(after, assignedCursor, { limit: TAIL_BATCH }));
  }

  /** Redis up: what the leader had sent two intervals ago and this node still has not heard, from the database. */
  private async checkHeard(): Promise<void> {
    const { deliveredCursor } = await this.outbox.progress();
    const expected = this.expected;
    this.expected = this.expectedNext;
    this.expectedNext = deliveredCursor;
    const heard = this.fanout.heardCursor;
    if (expected <= heard) return;
    const missed = await this.outbox.range(heard, expected, { limit: TAIL_BATCH });
    this.logger.warn({
      msg: 'events sent by the relay leader did not arrive through Redis; read them from the database',
      from: heard + 1,
      to: expected,
      fetched: missed.length,
    });
    this.metrics.eventsRepaired.inc({ found: 'behind' }, missed.length);
    this.fanout.receive(missed);
  }
}
