import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  MarketplaceEvent,
  NotificationEvent,
  OrderEvent,
  scope,
  SellerEvent,
  type ListingSummary,
  type OrderSummary,
} from '@operate/shared';
import { asCaller, seedUser, type Tenants } from '../support/fixtures.js';
import { startServiceTest, type ServiceTest } from '../support/service-module.js';
import { testConfig } from '../support/config.js';
import { APP_CONFIG } from '../../src/config/config.js';
import { EventsService } from '../../src/events/events.service.js';
import { FakeEventsService } from '../../src/events/testing/index.js';
import type { PrismaService } from '../../src/prisma/prisma.service.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { MarketplaceService } from '../../src/modules/seller/marketplace.service.js';
import { OrdersService } from '../../src/modules/seller/orders.service.js';
import { SellerAnalyticsService } from '../../src/modules/seller/seller-analytics.service.js';
import { SellersService } from '../../src/modules/seller/sellers.service.js';

const ANALYTICS_INTERVAL_MS = 300;

describe('seller and marketplace services', () => {
  let ctx: ServiceTest;
  let prisma: PrismaService;
  let tenants: Tenants;
  let sellers: SellersService;
  let marketplace: MarketplaceService;
  let orders: OrdersService;
  let analytics: SellerAnalyticsService;
  const events = new FakeEventsService();
  const as = asCaller;
  // b1 sells; a2 buys.
  const seller = () => as(tenants.b1);
  const buyer = () => as(tenants.a2);
  const list = (quantity: number, price = '600.00') => marketplace.create(seller(), { title: `Desk ${quantity}`, price, quantity });
  /** The payment provider's signed webhook, already authenticated: the order's full amount captured. */
  const providerPays = (order: OrderSummary, id = `evt_${order.orderId}`) =>
    orders.applyPaymentEvent({
      id,
      type: 'payment.captured',
      data: {
        paymentReference: order.paymentReference,
        amount: order.amount,
        currency: order.currency,
        transactionReference: `txn_${order.orderId}`,
      },
    });

  beforeAll(async () => {
    ctx = await startServiceTest(
      [
        SellersService,
        MarketplaceService,
        OrdersService,
        SellerAnalyticsService,
        NotificationsService,
        { provide: APP_CONFIG, useValue: testConfig('postgresql://unused', { ANALYTICS_MIN_INTERVAL_MS: String(ANALYTICS_INTERVAL_MS) }) },
      ],
      events,
    );
    ({ prisma, tenants } = ctx);
    [sellers, marketplace, orders, analytics] = [SellersService, MarketplaceService, OrdersService, SellerAnalyticsService].map((type) =>
      ctx.moduleRef.get(type),
    ) as [SellersService, MarketplaceService, OrdersService, SellerAnalyticsService];
    await expect(marketplace.create(seller(), { title: 'x', price: '1', quantity: 1 })).rejects.toMatchObject({
      status: 409,
      response: { code: 'not_a_seller' },
    });
    await sellers.create(seller(), { displayName: 'B Furniture', currency: 'EUR' });
  });

  afterAll(async () => {
    analytics.onModuleDestroy();
    await ctx.close();
  });

  beforeEach(async () => {
    await analytics.settled();
    events.clear();
  });

  it('announces listings to the marketplace: created, updated, withdrawn', async () => {
    const listing = await list(3);
    expect(listing).toMatchObject({ sellerName: 'B Furniture', sellerTier: 'BRONZE', price: '600.00', currency: 'EUR', quantity: 3 });
    events.expectEmitted(MarketplaceEvent.ListingCreated, scope.marketplace(), { listingId: listing.listingId, status: 'ACTIVE' });
    await marketplace.update(seller(), listing.listingId, { price: '550' });
    events.expectEmitted(MarketplaceEvent.ListingUpdated, scope.marketplace(), { listingId: listing.listingId, price: '550.00' });
    await expect(marketplace.update(buyer(), listing.listingId, { price: '1' })).rejects.toMatchObject({ status: 404 });
    await marketplace.cancel(seller(), listing.listingId);
    events.expectEmitted(MarketplaceEvent.ListingCancelled, scope.marketplace(), { listingId: listing.listingId, status: 'CANCELLED' });
    await expect(marketplace.update(seller(), listing.listingId, { quantity: 5 })).rejects.toMatchObject({ status: 409 });
    expect((await marketplace.list({ page: 1, pageSize: 100 })).items.map((item) => item.listingId)).not.toContain(listing.listingId);
    expect(events.emitted.every((entry) => entry.inTransaction)).toBe(true);
  });

  it('takes an order: the seller hears of it (event and notification), the stock goes down, the last unit sells the listing', async () => {
    const listing = await list(3);
    events.clear();
    const order = await orders.create(buyer(), { listingId: listing.listingId, quantity: 2 });
    expect(order).toMatchObject({ status: 'PENDING', amount: '1200.00', currency: 'EUR', sellerId: tenants.b1.id, buyerId: tenants.a2.id });
    events.expectEmitted(SellerEvent.OrderCreated, scope.user(tenants.b1.id), { orderId: order.orderId, quantity: 2 });
    events.expectEmitted(MarketplaceEvent.ListingUpdated, scope.marketplace(), { listingId: listing.listingId, quantity: 1 });
    events.expectEmitted(NotificationEvent.Created, scope.user(tenants.b1.id), { title: 'New order' });
    events.expectNotEmitted(SellerEvent.OrderCreated, scope.user(tenants.a2.id));

    await expect(orders.create(buyer(), { listingId: listing.listingId, quantity: 2 })).rejects.toMatchObject({
      status: 409,
      response: { code: 'insufficient_stock' },
    });
    await orders.create(buyer(), { listingId: listing.listingId, quantity: 1 });
    events.expectEmitted(MarketplaceEvent.ListingSold, scope.marketplace(), { listingId: listing.listingId, quantity: 0, status: 'SOLD' });
    await expect(orders.create(buyer(), { listingId: listing.listingId, quantity: 1 })).rejects.toMatchObject({
      status: 409,
      response: { code: 'listing_unavailable' },
    });
    await expect(orders.create(seller(), { listingId: listing.listingId, quantity: 1 })).rejects.toMatchObject({ status: 422 });
  });

  it('moves an order only as the right party and from the right status; cancelling returns the stock', async () => {
    const listing = await list(1);
    const order = await orders.create(buyer(), { listingId: listing.listingId, quantity: 1 });
    events.clear();
    await expect(orders.move(seller(), order.orderId, 'ship')).rejects.toMatchObject({
      status: 409,
      response: { code: 'illegal_transition' },
    });
    const stranger = await seedUser(prisma, { name: 'stranger', organizationId: tenants.orgB });
    await expect(orders.move(as(stranger), order.orderId, 'cancel')).rejects.toMatchObject({ status: 404 });

    await providerPays(order);
    events.expectEmitted(OrderEvent.StatusChanged, [scope.user(tenants.b1.id), scope.user(tenants.a2.id)], {
      from: 'PENDING',
      to: 'PAID',
      transactionReference: `txn_${order.orderId}`,
    });
    events.expectEmitted(SellerEvent.PaymentReceived, scope.user(tenants.b1.id), {
      orderId: order.orderId,
      amount: '600.00',
      transactionReference: `txn_${order.orderId}`,
    });

    await orders.move(seller(), order.orderId, 'cancel');
    events.expectEmitted(OrderEvent.StatusChanged, scope.user(tenants.a2.id), { from: 'PAID', to: 'CANCELLED' });
    events.expectEmitted(MarketplaceEvent.ListingUpdated, scope.marketplace(), {
      listingId: listing.listingId,
      quantity: 1,
      status: 'ACTIVE',
    });
    await expect(providerPays(order, 'evt_late')).rejects.toMatchObject({ status: 409, response: { code: 'illegal_transition' } });
  });

  it("rings the seller's bell for only so many orders an hour from one buyer; the orders themselves all arrive", async () => {
    const limited = new OrdersService(
      prisma,
      ctx.moduleRef.get(EventsService),
      ctx.moduleRef.get(NotificationsService),
      marketplace,
      analytics,
      testConfig('postgresql://unused', { ORDER_NOTIFICATIONS_PER_BUYER_PER_HOUR: '2' }),
    );
    const listing = await list(5, '1.00');
    const eager = await seedUser(prisma, { name: 'eager-buyer', organizationId: tenants.orgA });
    events.clear();
    for (let placed = 0; placed < 4; placed++) await limited.create(as(eager), { listingId: listing.listingId, quantity: 1 });
    expect(events.payloadsOf(SellerEvent.OrderCreated)).toHaveLength(4);
    expect(events.payloadsOf(NotificationEvent.Created).filter((notification) => notification.title === 'New order')).toHaveLength(2);
  });

  it('is paid by the provider only, once per provider event, for the exact amount', async () => {
    const listing = await list(1);
    const order = await orders.create(buyer(), { listingId: listing.listingId, quantity: 1 });
    expect(order).toMatchObject({
      status: 'PENDING',
      paymentReference: expect.stringMatching(/^pay_ord_[0-9a-f]{32}$/),
      transactionReference: null,
    });
    const wrong = {
      id: 'evt_wrong',
      type: 'payment.captured',
      data: { paymentReference: order.paymentReference, amount: '1.00', currency: 'EUR' },
    } as const;
    await expect(orders.applyPaymentEvent(wrong)).rejects.toMatchObject({ status: 422, response: { code: 'payment_mismatch' } });
    events.clear();
    await expect(providerPays(order, 'evt_once')).resolves.toEqual({ received: true, duplicate: false, orderId: order.orderId });
    await expect(providerPays(order, 'evt_once')).resolves.toEqual({ received: true, duplicate: true, orderId: order.orderId });
    expect(events.payloadsOf(SellerEvent.PaymentReceived)).toHaveLength(1);
    expect(await prisma.paymentEvent.count({ where: { orderId: order.orderId } })).toBe(1);
    await expect(
      orders.applyPaymentEvent({ ...wrong, id: 'evt_unknown', data: { ...wrong.data, paymentReference: 'pay_ord_unknown' } }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('upgrades the tier once when a delivered sale crosses a threshold, with the new benefits', async () => {
    const listing = await list(3);
    const deliver = async (quantity: number) => {
      const order = await orders.create(buyer(), { listingId: listing.listingId, quantity });
      await providerPays(order);
      await orders.move(seller(), order.orderId, 'ship');
      await expect(orders.move(seller(), order.orderId, 'deliver')).rejects.toMatchObject({ status: 403 });
      await orders.move(buyer(), order.orderId, 'deliver');
      return order;
    };
    const before = await sellers.get(tenants.b1.id);
    events.clear();
    // 600 + whatever earlier tests delivered (nothing) stays under 1 000; the next 600 crosses into SILVER.
    expect(before.tier).toBe('BRONZE');
    await deliver(1);
    events.expectNotEmitted(SellerEvent.TierUpgraded);
    await deliver(1);
    events.expectEmitted(SellerEvent.TierUpgraded, scope.user(tenants.b1.id), {
      previousTier: 'BRONZE',
      tier: 'SILVER',
      benefits: { commissionRate: '0.080', maxActiveListings: 50, payoutDays: 7, featuredListings: false },
      completedSalesVolume: '1200.00',
      currency: 'EUR',
    });
    events.expectEmitted(NotificationEvent.Created, scope.user(tenants.b1.id), { title: 'Welcome to SILVER', priority: 'high' });
    events.clear();
    const third = await deliver(1);
    events.expectNotEmitted(SellerEvent.TierUpgraded);
    expect(await sellers.get(tenants.b1.id)).toMatchObject({ tier: 'SILVER', completedSales: 3, completedSalesVolume: '1800.00' });

    // One review per delivered order, by its buyer.
    await expect(orders.review(seller(), third.orderId, { rating: 5 })).rejects.toMatchObject({ status: 403 });
    const review = await orders.review(buyer(), third.orderId, { rating: 4, comment: 'Sturdy' });
    events.expectEmitted(SellerEvent.ReviewReceived, scope.user(tenants.b1.id), {
      reviewId: review.reviewId,
      rating: 4,
      comment: 'Sturdy',
    });
    await expect(orders.review(buyer(), third.orderId, { rating: 1 })).rejects.toMatchObject({
      status: 409,
      response: { code: 'already_reviewed' },
    });
  });

  it('refuses a review of an order not yet delivered', async () => {
    const listing = await list(1);
    const order = await orders.create(buyer(), { listingId: listing.listingId, quantity: 1 });
    await expect(orders.review(buyer(), order.orderId, { rating: 5 })).rejects.toMatchObject({
      status: 409,
      response: { code: 'not_delivered' },
    });
  });

  it('coalesces analytics to at most one per interval per seller, the last one reflecting every change', async () => {
    const listing: ListingSummary = await list(40, '10.00');
    await analytics.settled();
    await new Promise((resolve) => setTimeout(resolve, ANALYTICS_INTERVAL_MS));
    events.clear();
    const started = Date.now();
    for (let index = 0; index < 20; index++) await orders.create(buyer(), { listingId: listing.listingId, quantity: 1 });
    await analytics.settled();
    const elapsed = Date.now() - started;
    const published = events.emitted.filter((entry) => entry.event === SellerEvent.AnalyticsUpdated);
    expect(published.length).toBeGreaterThanOrEqual(1);
    expect(published.length).toBeLessThanOrEqual(Math.ceil(elapsed / ANALYTICS_INTERVAL_MS) + 1);
    const times = published.map((entry) => Date.parse(entry.published.occurredAt));
    // Slots are claimed on the database clock and stamped after the figures are computed in the same transaction;
    // allow half an interval for that computation waiting on a busy embedded database (no coalescing: a few ms apart).
    for (let index = 1; index < times.length; index++)
      expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(ANALYTICS_INTERVAL_MS / 2);
    const last = events.payloadsOf(SellerEvent.AnalyticsUpdated).at(-1)!;
    const expected = await analytics.compute(tenants.b1.id);
    expect(last).toMatchObject({
      sellerId: tenants.b1.id,
      ordersToday: expected.ordersToday,
      currency: 'EUR',
      averageRating: '4.00',
      reviewCount: 1,
    });
    events.expectEmitted(SellerEvent.AnalyticsUpdated, scope.user(tenants.b1.id));
  });

  it('keeps a seller within the tier limit of active listings', async () => {
    const other = await seedUser(prisma, { name: 'small-seller', organizationId: tenants.orgA });
    await sellers.create(as(other), { displayName: 'Small', currency: 'USD' });
    await expect(sellers.create(as(other), { displayName: 'Again', currency: 'USD' })).rejects.toMatchObject({ status: 409 });
    for (let index = 0; index < 10; index++) await marketplace.create(as(other), { title: `Item ${index}`, price: '1', quantity: 1 });
    await expect(marketplace.create(as(other), { title: 'One too many', price: '1', quantity: 1 })).rejects.toMatchObject({
      status: 409,
      response: { code: 'listing_limit_reached' },
    });
  });
});
