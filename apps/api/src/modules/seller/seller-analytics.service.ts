import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { SellerEvent, type SellerAnalytics, type SellerHistory } from '@operate/shared';
import { notFound } from '../../common/http-errors.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { formatMoney } from '../../common/money.js';
import { EventsService } from '../../events/events.service.js';
import { Prisma } from '../../generated/prisma/client.js';
import { PrismaService, type Tx } from '../../prisma/prisma.service.js';

type State = { kind: 'running'; dirty: boolean } | { kind: 'waiting'; timer: NodeJS.Timeout };

/**
 * Today's figures for a seller, pushed as `seller.analytics_updated` at most once per interval per seller
 * however many orders arrive — across every API node: a publish first claims the seller's slot with a
 * conditional update on the database clock. A change that finds the slot taken schedules one publish for
 * when it frees, which then reads the figures as they are, so the last change is always reflected.
 */
@Injectable()
export class SellerAnalyticsService implements OnModuleDestroy {
  private readonly logger = new Logger(SellerAnalyticsService.name);
  private readonly states = new Map<string, State>();
  private closed = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly events: EventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Figures for the seller's UTC day as of now. */
  async compute(sellerId: string, client: Tx | PrismaService = this.prisma): Promise<SellerAnalytics> {
    const [row] = await client.$queryRaw<
      { currency: string; day: string; orders: bigint; revenue: Prisma.Decimal | null; rating: Prisma.Decimal | null; reviews: bigint }[]
    >`
      SELECT s.currency,
             to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
             (SELECT count(*) FROM "Order" o
               WHERE o."sellerId" = s."userId" AND o.status <> 'CANCELLED'
                 AND o."createdAt" >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS orders,
             (SELECT sum(o.amount) FROM "Order" o
               WHERE o."sellerId" = s."userId" AND o.status IN ('PAID', 'SHIPPED', 'DELIVERED')
                 AND o."createdAt" >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS revenue,
             (SELECT round(avg(r.rating), 2) FROM "Review" r WHERE r."sellerId" = s."userId") AS rating,
             (SELECT count(*) FROM "Review" r WHERE r."sellerId" = s."userId") AS reviews
      FROM "SellerProfile" s WHERE s."userId" = ${sellerId}::uuid`;
    if (!row) throw new Error(`No seller profile for ${sellerId}`);
    return {
      sellerId,
      date: row.day,
      ordersToday: Number(row.orders),
      revenueToday: formatMoney(new Prisma.Decimal(row.revenue ?? 0)),
      currency: row.currency,
      averageRating: row.rating === null ? null : new Prisma.Decimal(row.rating).toFixed(2),
      reviewCount: Number(row.reviews),
      computedAt: new Date().toISOString(),
    };
  }

  /** The seller's last `days` UTC days (today last), each day's orders, revenue and the rating of its reviews. */
  async history(sellerId: string, days: number): Promise<SellerHistory> {
    const rows = await this.prisma.$queryRaw<
      { currency: string; day: string; orders: bigint; revenue: Prisma.Decimal | null; rating: Prisma.Decimal | null }[]
    >`
      WITH days AS (
        SELECT generate_series(
          date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => ${days - 1}::int),
          date_trunc('day', now() AT TIME ZONE 'UTC'),
          interval '1 day') AS day
      )
      SELECT s.currency, to_char(d.day, 'YYYY-MM-DD') AS day,
             (SELECT count(*) FROM "Order" o
               WHERE o."sellerId" = s."userId" AND o.status <> 'CANCELLED'
                 AND o."createdAt" >= d.day AT TIME ZONE 'UTC' AND o."createdAt" < (d.day + interval '1 day') AT TIME ZONE 'UTC') AS orders,
             (SELECT sum(o.amount) FROM "Order" o
               WHERE o."sellerId" = s."userId" AND o.status IN ('PAID', 'SHIPPED', 'DELIVERED')
                 AND o."createdAt" >= d.day AT TIME ZONE 'UTC' AND o."createdAt" < (d.day + interval '1 day') AT TIME ZONE 'UTC') AS revenue,
             (SELECT round(avg(r.rating), 2) FROM "Review" r
               WHERE r."sellerId" = s."userId"
                 AND r."createdAt" >= d.day AT TIME ZONE 'UTC' AND r."createdAt" < (d.day + interval '1 day') AT TIME ZONE 'UTC') AS rating
      FROM "SellerProfile" s CROSS JOIN days d
      WHERE s."userId" = ${sellerId}::uuid
      ORDER BY d.day`;
    const currency = rows[0]?.currency;
    if (!currency) throw notFound('Seller profile');
    return {
      sellerId,
      currency,
      days: rows.map((row) => ({
        date: row.day,
        orders: Number(row.orders),
        revenue: formatMoney(new Prisma.Decimal(row.revenue ?? 0)),
        averageRating: row.rating === null ? null : new Prisma.Decimal(row.rating).toFixed(2),
      })),
    };
  }

  /** Something changed the seller's figures (call it after the change committed). */
  changed(sellerId: string): void {
    if (this.closed) return;
    const state = this.states.get(sellerId);
    if (state?.kind === 'running') state.dirty = true;
    // A scheduled publish reads the figures when it runs, so it covers this change too.
    if (state) return;
    void this.run(sellerId);
  }

  /** Resolves once no publish is running or scheduled (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.states.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const state of this.states.values()) if (state.kind === 'waiting') clearTimeout(state.timer);
    this.states.clear();
  }

  private async run(sellerId: string): Promise<void> {
    const state: State = { kind: 'running', dirty: false };
    this.states.set(sellerId, state);
    let waitMs: number | undefined;
    try {
      waitMs = await this.publishIfFree(sellerId);
    } catch (error) {
      this.logger.error({
        msg: 'could not publish seller analytics',
        sellerId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.states.delete(sellerId);
    if (this.closed) return;
    // Slot taken: try again when it frees. Published, but changed meanwhile: the retry waits for the next slot.
    if (waitMs !== undefined || state.dirty) this.schedule(sellerId, waitMs ?? this.config.analyticsMinIntervalMs);
  }

  private schedule(sellerId: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.states.delete(sellerId);
      void this.run(sellerId);
    }, delayMs);
    timer.unref();
    this.states.set(sellerId, { kind: 'waiting', timer });
  }

  /** Publishes if the seller's slot is free; otherwise returns how long until it frees. */
  private async publishIfFree(sellerId: string): Promise<number | undefined> {
    const interval = this.config.analyticsMinIntervalMs;
    return this.prisma.transaction(async (tx) => {
      const claimed = await tx.$executeRaw`
        UPDATE "SellerProfile" SET "analyticsPublishedAt" = now()
        WHERE "userId" = ${sellerId}::uuid
          AND ("analyticsPublishedAt" IS NULL OR "analyticsPublishedAt" <= now() - make_interval(secs => ${interval / 1000}::float8))`;
      if (claimed === 1) {
        await this.events.toUser(sellerId).emit(SellerEvent.AnalyticsUpdated, await this.compute(sellerId, tx), { tx });
        return undefined;
      }
      const [slot] = await tx.$queryRaw<{ waitMs: number | null }[]>`
        SELECT ceil(extract(epoch FROM "analyticsPublishedAt" + make_interval(secs => ${interval / 1000}::float8) - now()) * 1000)::float8 AS "waitMs"
        FROM "SellerProfile" WHERE "userId" = ${sellerId}::uuid`;
      // No profile: nothing to publish, ever.
      if (!slot) return undefined;
      return Math.max(1, Math.min(interval, slot.waitMs ?? interval));
    });
  }
}
