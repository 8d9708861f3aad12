import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { OutboxRepository } from './outbox.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_BATCH = 5_000;

/**
 * Deletes delivered events older than the retention period and records the highest cursor removed, so
 * a client resuming from before it is told to `reset` instead of silently missing events.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly outbox: OutboxRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune().catch(() => undefined), this.config.retention.pruneIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Removes expired events; returns how many. Safe on several nodes at once (SKIP LOCKED). */
  prune(now = new Date()): Promise<number> {
    this.running ??= this.pruneAll(new Date(now.getTime() - this.config.retention.days * DAY_MS)).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pruneAll(before: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.outbox.prune(before, PRUNE_BATCH);
      total += count;
      if (count < PRUNE_BATCH) break;
    }
    if (total > 0) this.logger.log({ msg: 'pruned expired events', count: total, before: before.toISOString() });
    return total;
  }
}
