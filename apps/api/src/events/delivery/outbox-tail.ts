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
 * Keeps a follower delivering while Redis is away. The relay leader still numbers committed events in the
 * database; a node that cannot hear it through Redis reads them itself, every RELAY_POLL_INTERVAL_MS, and hands
 * them to its fan-out, which delivers each once and in cursor order. When Redis returns, the bus takes over and
 * anything read twice is dropped by cursor.
 */
@Injectable()
export class OutboxTail implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxTail.name);
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private tailing = false;

  constructor(
    private readonly redis: RedisLink,
    private readonly relay: RelayService,
    private readonly fanout: EventFanout,
    private readonly outbox: OutboxRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    metrics.outboxSource = async () => {
      const [{ assignedCursor, deliveredCursor }, pending] = await Promise.all([outbox.progress(), outbox.pendingCount()]);
      return { pending, unconfirmed: Math.max(0, assignedCursor - deliveredCursor) };
    };
    if (config.redisUrl) {
      metrics.redisSource = () => redis.ready;
      metrics.tailingSource = () => this.tailing;
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
    // The leader hands its own batches to this node's fan-out; with Redis up, the bus brings everything.
    const needed = this.redis.configured && !this.redis.ready && !this.relay.isLeader;
    if (needed !== this.tailing) {
      this.tailing = needed;
      if (needed) this.logger.warn('Redis is unreachable: this node reads committed events from the database until it returns');
      else this.logger.log('events reach this node through Redis again');
    }
    if (!needed || this.reading) return;
    this.reading = true;
    try {
      const { assignedCursor } = await this.outbox.progress();
      const after = this.fanout.lastCursor;
      if (assignedCursor > after) this.fanout.receive(await this.outbox.range(after, assignedCursor, { limit: TAIL_BATCH }));
    } catch (error) {
      this.logger.warn({ msg: 'could not read the outbox; trying again', error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.reading = false;
    }
  }
}
