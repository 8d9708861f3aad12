import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ListingStatus, OrderEvent, OrderStatus, scope, SellerEvent, type OrderSummary, type SellerTier } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { ApiError, conflict, forbidden, notFound } from '../../common/http-errors.js';
import { amountWithinRange, formatMoney } from '../../common/money.js';
import { pageOf, type Page } from '../../common/page-query.js';
import { assertPaymentMatches, recordProviderEvent, type ProviderEvent } from '../../common/provider-events.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { EventsService } from '../../events/events.service.js';
import { Prisma, type Order } from '../../generated/prisma/client.js';
import { PrismaService, type Tx } from '../../prisma/prisma.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { CreateOrderDto, CreateReviewDto, ListOrdersQuery } from './dto/seller.dto.js';
import { MarketplaceService } from './marketplace.service.js';
import { SellerAnalyticsService } from './seller-analytics.service.js';
import { toOrderSummary } from './seller-views.js';
import { benefitsOf, rankOf, tierFor } from './tiers.js';

export type OrderPage = Page<OrderSummary>;

const HOUR_MS = 60 * 60 * 1000;

export interface ReviewView {
  readonly reviewId: string;
  readonly orderId: string;
  readonly sellerId: string;
  readonly rating: number;
  readonly comment: string | null;
  readonly createdAt: string;
}

type Party = 'buyer' | 'seller';

/** Which party may move an order from which status to which. */
const MOVES = {
  ship: { by: 'seller', from: [OrderStatus.Paid], to: OrderStatus.Shipped },
  deliver: { by: 'buyer', from: [OrderStatus.Shipped], to: OrderStatus.Delivered },
  cancel: { by: 'either', from: [OrderStatus.Pending, OrderStatus.Paid], to: OrderStatus.Cancelled },
} as const satisfies Record<string, { by: Party | 'either'; from: readonly OrderStatus[]; to: OrderStatus }>;
export type OrderMove = keyof typeof MOVES;

const stamp = { PAID: 'paidAt', SHIPPED: 'shippedAt', DELIVERED: 'deliveredAt', CANCELLED: 'cancelledAt' } as const;

/** Every order's payment reference starts so (the database default makes them); the webhook routes on it. */
export const ORDER_PAYMENT_PREFIX = 'pay_ord_';

export interface OrderPaymentReceipt {
  readonly received: true;
  /** True when this provider event id was applied before: nothing changed, nothing was emitted. */
  readonly duplicate: boolean;
  readonly orderId: string;
}

/**
 * Orders PENDING (awaiting payment) → PAID → SHIPPED → DELIVERED, or CANCELLED before shipping; one review per
 * delivered order. Only the payment provider marks an order paid (its signed webhook, with its transaction
 * reference), so delivered volume — and the tiers built on it — is money the provider saw.
 * The seller hears of every order, payment and review; both parties of every status change. A delivery
 * adds to the seller's volume and announces a tier upgrade when it crosses a threshold.
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: EventsService,
    private readonly notifications: NotificationsService,
    private readonly marketplace: MarketplaceService,
    private readonly analytics: SellerAnalyticsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(caller: AuthUser, dto: CreateOrderDto): Promise<OrderSummary> {
    return this.prisma.transaction(async (tx) => {
      const listing = await tx.listing.findUnique({
        where: { id: dto.listingId },
        include: { seller: { select: { user: { select: { organizationId: true } } } } },
      });
      if (!listing) throw notFound('Listing');
      if (listing.sellerId === caller.userId)
        throw new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, 'own_listing', 'You cannot order your own listing');
      if (listing.status !== ListingStatus.Active) throw conflict('listing_unavailable', `The listing is ${listing.status.toLowerCase()}`);
      const amount = amountWithinRange(listing.price.times(dto.quantity), `${dto.quantity} × ${formatMoney(listing.price)}`);
      if (!(await this.marketplace.reserve(tx, listing.id, dto.quantity))) {
        throw conflict('insufficient_stock', `Only ${listing.quantity} left`);
      }
      const order = await tx.order.create({
        data: {
          listingId: listing.id,
          sellerId: listing.sellerId,
          buyerId: caller.userId,
          quantity: dto.quantity,
          amount,
          currency: listing.currency,
        },
        include: { listing: { select: { title: true } } },
      });
      const summary = toOrderSummary(order);
      await this.events.toUser(order.sellerId).emit(SellerEvent.OrderCreated, summary, { tx });
      // The order always reaches the seller's list; the bell only so often per buyer, so nobody floods it.
      const fromThisBuyer = await tx.order.count({
        where: { buyerId: caller.userId, sellerId: order.sellerId, createdAt: { gte: new Date(Date.now() - HOUR_MS) } },
      });
      if (fromThisBuyer <= this.config.orderNotificationsPerBuyerPerHour)
        await this.notifications.create(
          {
            organizationId: listing.seller.user.organizationId,
            userId: order.sellerId,
            title: 'New order',
            message: `${order.quantity} × ${listing.title} for ${summary.amount} ${summary.currency}`,
          },
          { tx },
        );
      this.afterCommit(tx, order.sellerId);
      return summary;
    });
  }

  async list(caller: AuthUser, query: ListOrdersQuery): Promise<OrderPage> {
    const parties: Prisma.OrderWhereInput[] =
      query.as === 'buyer'
        ? [{ buyerId: caller.userId }]
        : query.as === 'seller'
          ? [{ sellerId: caller.userId }]
          : [{ buyerId: caller.userId }, { sellerId: caller.userId }];
    const where: Prisma.OrderWhereInput = { OR: parties, ...(query.status ? { status: query.status } : {}) };
    return pageOf(
      query,
      (window) => this.prisma.order.findMany({ where, include: { listing: { select: { title: true } } }, ...window }),
      () => this.prisma.order.count({ where }),
      toOrderSummary,
    );
  }

  async get(caller: AuthUser, id: string): Promise<OrderSummary> {
    const order = await this.prisma.order.findFirst({
      where: { id, OR: [{ buyerId: caller.userId }, { sellerId: caller.userId }] },
      include: { listing: { select: { title: true } } },
    });
    if (!order) throw notFound('Order');
    return toOrderSummary(order);
  }

  /** Moves an order on, as the party allowed to; a stale or foreign move is a 409 or 403/404. */
  async move(caller: AuthUser, id: string, move: OrderMove): Promise<OrderSummary> {
    const rule = MOVES[move];
    return this.prisma.transaction(async (tx) => {
      const order = await this.lock(tx, caller, id);
      const party: Party = order.buyerId === caller.userId ? 'buyer' : 'seller';
      if (rule.by !== 'either' && rule.by !== party) throw forbidden(`Only the ${rule.by} can ${move} an order`);
      if (!(rule.from as readonly OrderStatus[]).includes(order.status)) {
        throw conflict('illegal_transition', `Cannot ${move} an order that is ${order.status}`);
      }
      return this.transition(tx, order, rule.to);
    });
  }

  /**
   * Applies the payment provider's event for an order, once: the event id is recorded in the same transaction.
   * A capture pays a PENDING order (with the provider's transaction reference); a refund cancels a PAID one.
   */
  async applyPaymentEvent(event: ProviderEvent): Promise<OrderPaymentReceipt> {
    return this.prisma.transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "Order" WHERE "paymentReference" = ${event.data.paymentReference} FOR UPDATE`;
      if (!locked) throw notFound('Payment reference');
      if (!(await recordProviderEvent(tx, event, { orderId: locked.id }))) return { received: true, duplicate: true, orderId: locked.id };
      const order = await tx.order.findUniqueOrThrow({ where: { id: locked.id } });
      assertPaymentMatches(event, order, 'the order costs');
      if (event.type === 'payment.captured') {
        if (order.status !== OrderStatus.Pending)
          throw conflict('illegal_transition', `A payment was captured for an order that is ${order.status}`);
        await this.transition(tx, order, OrderStatus.Paid, event.data.transactionReference ?? event.id);
      } else if (event.type === 'payment.refunded') {
        if (order.status !== OrderStatus.Paid)
          throw conflict('illegal_transition', `A payment was refunded for an order that is ${order.status}`);
        await this.transition(tx, order, OrderStatus.Cancelled);
      }
      return { received: true, duplicate: false, orderId: order.id };
    });
  }

  /** One status change of a locked order, with its events; a payment carries the provider's transaction reference. */
  private async transition(tx: Tx, order: Order, to: OrderStatus, transactionReference?: string): Promise<OrderSummary> {
    const now = new Date();
    const updated = await tx.order.update({
      where: { id: order.id },
      // The order's version is the event's changedAt: a client orders the two by it.
      data: {
        status: to,
        updatedAt: now,
        [stamp[to as keyof typeof stamp]]: now,
        ...(transactionReference ? { transactionReference } : {}),
      },
      include: { listing: { select: { title: true } } },
    });
    await this.events.to(scope.user(order.sellerId), scope.user(order.buyerId)).emit(
      OrderEvent.StatusChanged,
      {
        orderId: order.id,
        sellerId: order.sellerId,
        buyerId: order.buyerId,
        from: order.status,
        to,
        transactionReference: updated.transactionReference,
        changedAt: now.toISOString(),
      },
      { tx },
    );
    if (to === OrderStatus.Paid && updated.transactionReference) {
      await this.events.toUser(order.sellerId).emit(
        SellerEvent.PaymentReceived,
        {
          orderId: order.id,
          sellerId: order.sellerId,
          buyerId: order.buyerId,
          amount: formatMoney(order.amount),
          currency: order.currency,
          transactionReference: updated.transactionReference,
          paidAt: now.toISOString(),
        },
        { tx },
      );
    }
    if (to === OrderStatus.Cancelled) await this.marketplace.restock(tx, order.listingId, order.quantity);
    if (to === OrderStatus.Delivered) await this.countSale(tx, order, now);
    this.afterCommit(tx, order.sellerId);
    return toOrderSummary(updated);
  }

  async review(caller: AuthUser, orderId: string, dto: CreateReviewDto): Promise<ReviewView> {
    return this.prisma.transaction(async (tx) => {
      const order = await this.lock(tx, caller, orderId);
      if (order.buyerId !== caller.userId) throw forbidden('Only the buyer can review an order');
      if (order.status !== OrderStatus.Delivered) throw conflict('not_delivered', 'Only a delivered order can be reviewed');
      if (await tx.review.findUnique({ where: { orderId }, select: { id: true } })) {
        throw conflict('already_reviewed', 'This order already has a review');
      }
      const review = await tx.review.create({
        data: { orderId, sellerId: order.sellerId, buyerId: caller.userId, rating: dto.rating, comment: dto.comment ?? null },
      });
      const view = {
        reviewId: review.id,
        orderId,
        sellerId: review.sellerId,
        rating: review.rating,
        comment: review.comment,
        createdAt: review.createdAt.toISOString(),
      };
      await this.events.toUser(order.sellerId).emit(SellerEvent.ReviewReceived, { ...view, buyerId: caller.userId }, { tx });
      this.afterCommit(tx, order.sellerId);
      return view;
    });
  }

  /** Adds a delivered sale to the seller's volume; crossing a threshold upgrades the tier, once. */
  private async countSale(tx: Tx, order: Order, now: Date): Promise<void> {
    // The increment locks the profile row, so concurrent deliveries see each other's totals and tier.
    const [profile] = await tx.sellerProfile.updateManyAndReturn({
      where: { userId: order.sellerId },
      data: { completedSales: { increment: 1 }, completedSalesVolume: { increment: order.amount } },
      include: { user: { select: { organizationId: true } } },
    });
    if (!profile) return;
    const earned: SellerTier = tierFor(profile.completedSalesVolume);
    if (rankOf(earned) <= rankOf(profile.tier)) return;
    await tx.sellerProfile.update({ where: { userId: order.sellerId }, data: { tier: earned } });
    const benefits = benefitsOf(earned);
    await this.events.toUser(order.sellerId).emit(
      SellerEvent.TierUpgraded,
      {
        sellerId: order.sellerId,
        previousTier: profile.tier,
        tier: earned,
        benefits,
        completedSalesVolume: formatMoney(profile.completedSalesVolume),
        currency: profile.currency,
        upgradedAt: now.toISOString(),
      },
      { tx },
    );
    await this.notifications.create(
      {
        organizationId: profile.user.organizationId,
        userId: order.sellerId,
        title: `Welcome to ${earned}`,
        message: `Your sales passed a new threshold: commission ${+(Number(benefits.commissionRate) * 100).toFixed(1)} %, up to ${benefits.maxActiveListings} active listings, payouts in ${benefits.payoutDays} days.`,
        type: 'success',
        priority: 'high',
      },
      { tx },
    );
  }

  private afterCommit(tx: Tx, sellerId: string): void {
    this.prisma.afterCommit(tx, () => this.analytics.changed(sellerId));
  }

  /** Locks a visible order (the caller is its buyer or seller) for a change. */
  private async lock(tx: Tx, caller: AuthUser, id: string): Promise<Order> {
    await tx.$queryRaw`SELECT id FROM "Order" WHERE id = ${id}::uuid FOR UPDATE`;
    const order = await tx.order.findFirst({ where: { id, OR: [{ buyerId: caller.userId }, { sellerId: caller.userId }] } });
    if (!order) throw notFound('Order');
    return order;
  }
}
