import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { InvoicesService } from './invoices.service.js';

/** Runs the overdue sweep on an interval; safe on every node (the update is conditional). */
@Injectable()
export class OverdueSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OverdueSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly invoices: InvoicesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce(), this.config.overdueSweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; a sweep still running when the next tick comes is not doubled. */
  runOnce(now = new Date()): Promise<void> {
    this.running ??= this.invoices
      .markOverdue(now)
      .then((count) => {
        if (count > 0) this.logger.log({ msg: 'invoices marked overdue', count });
      })
      .catch((error: unknown) => {
        this.logger.error({ msg: 'overdue sweep failed', error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
