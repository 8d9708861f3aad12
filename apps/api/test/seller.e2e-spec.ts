import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClientCommand,
  MarketplaceEvent,
  OrderEvent,
  ProtocolEvent,
  SellerEvent,
  ShopEvent,
  Topic,
  type ListingSummary,
  type OrderSummary,
  type OwnSellerView,
  type Page,
  type SellerHistory,
  type SellerReview,
  type ShopItemView,
} from '@operate/shared';
import { signatureHeader } from '../src/modules/escrow/payment-signature.js';
import { startApp, type RunningApp } from './support/app.js';
import { TEST_WEBHOOK_SECRET } from './support/config.js';
import { seedUser, type TestUser } from './support/fixtures.js';
import type { RecordingClient } from './support/socket-client.js';

describe('seller and marketplace (e2e)', () => {
  let ctx: RunningApp;
  // b1 and a1 both sell; a2 buys; watcher browses the marketplace.
  let watcherUser: TestUser;
  let tokens: Record<'a1' | 'a2' | 'b1' | 'watcher' | 'operator', string>;
  let sellerB: RecordingClient;
  let sellerA: RecordingClient;
  let buyer: RecordingClient;

  beforeAll(async () => {
    ctx = await startApp();
    watcherUser = await seedUser(ctx.prisma, { name: 'watcher', organizationId: ctx.tenants.orgB });
    const { a1, a2, b1 } = ctx.tenants;
    tokens = {
      a1: await ctx.login(a1),
      a2: await ctx.login(a2),
      b1: await ctx.login(b1),
      watcher: await ctx.login(watcherUser),
      operator: await ctx.login(ctx.tenants.operator),
    };
    await as(tokens.b1).post('/sellers', { displayName: 'B Furniture', currency: 'EUR' }).expect(201);
    await as(tokens.a1).post('/sellers', { displayName: 'A Lamps', currency: 'EUR' }).expect(201);
    [sellerB, sellerA, buyer] = await Promise.all([ctx.connect(b1), ctx.connect(a1), ctx.connect(a2)]);
  });

  afterAll(async () => {
    await ctx.close();
  });

  const as = (token: string) => ctx.as(token);

  const listItem = async (token: string, title: string, quantity = 50, price = '10.00') =>
    (await as(token).post('/marketplace/listings', { title, price, quantity }).expect(201)).body as ListingSummary;
  const order = async (listingId: string, quantity = 1) =>
    (await as(tokens.a2).post('/orders', { listingId, quantity }).expect(201)).body as OrderSummary;

  /** The payment provider's signed webhook for an order (the buyer pays the provider, never the API). */
  const providerPays = (placed: OrderSummary, eventId: string, transactionReference: string) => {
    const body = JSON.stringify({
      id: eventId,
      type: 'payment.captured',
      data: { paymentReference: placed.paymentReference, amount: placed.amount, currency: placed.currency, transactionReference },
    });
    return ctx
      .http()
      .post('/webhooks/payments')
      .set('content-type', 'application/json')
      .set('operate-signature', signatureHeader(TEST_WEBHOOK_SECRET, body))
      .send(body);
  };

  /** A shop change: a broadcast every connected socket receives after everything published before it. */
  async function broadcastSentinel(): Promise<string> {
    const response = await as(tokens.operator)
      .post('/shop/items', { type: 'BANNER', name: `Sentinel ${Date.now()}`, price: 1 })
      .expect(201);
    return (response.body as ShopItemView).itemId;
  }

  it("sends a seller's order events to that seller (and status changes to the buyer), never to another seller", async () => {
    const lamp = await listItem(tokens.a1, 'Brass lamp');
    const desk = await listItem(tokens.b1, 'Oak desk');
    const placed = await order(desk.listingId, 2);
    expect(placed).toMatchObject({ sellerId: ctx.tenants.b1.id, amount: '20.00' });
    await sellerB.waitFor(SellerEvent.OrderCreated, (e) => e.payload.orderId === placed.orderId);
    // The buyer cannot mark it paid; the provider's signed webhook does, once, with its transaction reference.
    const refused = await as(tokens.a2).post(`/orders/${placed.orderId}/pay`).expect(403);
    expect(refused.body).toMatchObject({ code: 'paid_by_provider', message: expect.stringContaining(placed.paymentReference) });
    expect((await providerPays(placed, `evt_${placed.orderId}`, 'txn_desk_1').expect(200)).body).toEqual({
      received: true,
      duplicate: false,
      orderId: placed.orderId,
    });
    const paid = await sellerB.waitFor(SellerEvent.PaymentReceived, (e) => e.payload.orderId === placed.orderId);
    expect(paid.payload).toMatchObject({ amount: '20.00', transactionReference: 'txn_desk_1' });
    for (const party of [sellerB, buyer]) {
      const changed = await party.waitFor(OrderEvent.StatusChanged, (e) => e.payload.orderId === placed.orderId && e.payload.to === 'PAID');
      expect(changed.payload.transactionReference).toBe('txn_desk_1');
    }
    // The provider retries: acknowledged, nothing happens twice.
    expect((await providerPays(placed, `evt_${placed.orderId}`, 'txn_desk_1').expect(200)).body).toMatchObject({ duplicate: true });
    expect(buyer.received.some((e) => e.type === SellerEvent.PaymentReceived)).toBe(false);
    await as(tokens.a1).post(`/orders/${placed.orderId}/ship`).expect(404);
    await as(tokens.a1).get(`/orders/${placed.orderId}`).expect(404);

    // Seller A's own order arrives after everything above: by then any leak would have arrived too.
    const own = await order(lamp.listingId);
    await sellerA.waitFor(SellerEvent.OrderCreated, (e) => e.payload.orderId === own.orderId);
    const leaked = sellerA.received.filter((e) => JSON.stringify(e.payload).includes(placed.orderId));
    expect(leaked).toHaveLength(0);
    expect(sellerB.ofType(SellerEvent.PaymentReceived).filter((e) => e.payload.orderId === placed.orderId)).toHaveLength(1);
    expect(sellerB.ofType(SellerEvent.OrderCreated).map((e) => e.payload.orderId)).not.toContain(own.orderId);
    expect(buyer.ofType(SellerEvent.OrderCreated)).toHaveLength(0);
  });

  it('delivers listing events to sockets that joined the marketplace, and stops when they leave', async () => {
    const joined = await ctx.connect(watcherUser);
    const outside = await ctx.connect(watcherUser);
    await expect(joined.command(ClientCommand.Subscribe, { topic: 'marketplace' })).resolves.toMatchObject({
      ok: true,
      data: { cursor: expect.any(Number) },
    });

    const listing = await listItem(tokens.b1, 'Walnut shelf', 1);
    await joined.waitFor(MarketplaceEvent.ListingCreated, (e) => e.payload.listingId === listing.listingId);
    await order(listing.listingId);
    await joined.waitFor(MarketplaceEvent.ListingSold, (e) => e.payload.listingId === listing.listingId && e.payload.quantity === 0);
    let sentinel = await broadcastSentinel();
    await outside.waitFor(ShopEvent.Updated, (e) => e.payload.newItems.some((item) => item.itemId === sentinel));
    expect(outside.received.filter((e) => e.type.startsWith('marketplace.'))).toHaveLength(0);

    await expect(joined.command(ClientCommand.Unsubscribe, { topic: 'marketplace' })).resolves.toEqual({
      ok: true,
      data: { wasSubscribed: true },
    });
    const after = await listItem(tokens.b1, 'Pine stool');
    sentinel = await broadcastSentinel();
    await joined.waitFor(ShopEvent.Updated, (e) => e.payload.newItems.some((item) => item.itemId === sentinel));
    expect(joined.ofType(MarketplaceEvent.ListingCreated).map((e) => e.payload.listingId)).not.toContain(after.listingId);
  });

  it("sends a seller their own listing's events once per socket, subscribed to the marketplace or not", async () => {
    const subscribed = await ctx.connect(ctx.tenants.b1, { subscriptions: [{ topic: Topic.Marketplace }] });
    const plain = await ctx.connect(ctx.tenants.b1);
    const stranger = await ctx.connect(ctx.tenants.a1);
    const listing = await listItem(tokens.b1, 'Cedar chest', 2);
    await as(tokens.b1).patch(`/marketplace/listings/${listing.listingId}`, { price: '99.00' }).expect(200);
    await as(tokens.b1).delete(`/marketplace/listings/${listing.listingId}`).expect(200);
    const sentinel = await broadcastSentinel();
    for (const socket of [subscribed, plain, stranger])
      await socket.waitFor(ShopEvent.Updated, (e) => e.payload.newItems.some((item) => item.itemId === sentinel));
    for (const socket of [subscribed, plain]) {
      const mine = socket.received.filter(
        (e) => e.type.startsWith('marketplace.') && (e.payload as ListingSummary).listingId === listing.listingId,
      );
      expect(mine.map((e) => e.type)).toEqual([
        MarketplaceEvent.ListingCreated,
        MarketplaceEvent.ListingUpdated,
        MarketplaceEvent.ListingCancelled,
      ]);
    }
    // Another seller's sockets, not subscribed to the marketplace, hear nothing of it.
    expect(stranger.received.filter((e) => e.type.startsWith('marketplace.'))).toHaveLength(0);
  });

  it('gives a seller their daily history and anyone a seller’s reviews, page by page', async () => {
    // One delivered, reviewed order today.
    const vase = await listItem(tokens.b1, 'Glazed vase', 5);
    const placed = await order(vase.listingId);
    await providerPays(placed, `evt_vase_${placed.orderId}`, 'txn_vase').expect(200);
    await as(tokens.b1).post(`/orders/${placed.orderId}/ship`).expect(200);
    await as(tokens.a2).post(`/orders/${placed.orderId}/deliver`).expect(200);
    await as(tokens.a2).post(`/orders/${placed.orderId}/review`, { rating: 4, comment: 'Lovely' }).expect(201);
    const me = (await as(tokens.b1).get('/sellers/me').expect(200)).body as OwnSellerView;
    const history = (await as(tokens.b1).get('/sellers/me/analytics').expect(200)).body as SellerHistory;
    expect(history.days).toHaveLength(30);
    const today = history.days.at(-1)!;
    expect(today.date).toBe(new Date().toISOString().slice(0, 10));
    expect(today.orders).toBe(me.analytics.ordersToday);
    expect(today.revenue).toBe(me.analytics.revenueToday);
    expect(history.days.slice(0, -1).every((day) => day.orders === 0 && day.revenue === '0.00')).toBe(true);
    expect(((await as(tokens.b1).get('/sellers/me/analytics?days=3').expect(200)).body as SellerHistory).days).toHaveLength(3);
    for (const days of ['0', '91', 'x']) await as(tokens.b1).get(`/sellers/me/analytics?days=${days}`).expect(400);
    await as(tokens.watcher).get('/sellers/me/analytics').expect(404);

    const reviews = (await as(tokens.watcher).get(`/sellers/${ctx.tenants.b1.id}/reviews?pageSize=1`).expect(200))
      .body as Page<SellerReview>;
    expect(reviews.total).toBe(me.analytics.reviewCount);
    expect(reviews.total).toBeGreaterThanOrEqual(1);
    expect(reviews.items).toEqual([expect.objectContaining({ orderId: placed.orderId, rating: 4, comment: 'Lovely' })]);
    expect(today.averageRating).not.toBeNull();
    await as(tokens.watcher).get(`/sellers/${watcherUser.id}/reviews`).expect(404);
  });

  it('replays missed marketplace events to a socket that comes back with its subscription', async () => {
    const subscriptions = [{ topic: Topic.Marketplace }];
    const first = await ctx.connect(watcherUser, { subscriptions });
    const cursor = first.lastCursor();
    first.close();
    const missed = await listItem(tokens.a1, 'Reading lamp');
    await as(tokens.a1).delete(`/marketplace/listings/${missed.listingId}`).expect(200);

    const back = await ctx.connect(watcherUser, { cursor, subscriptions });
    await back.waitFor(ProtocolEvent.Resumed);
    await back.waitFor(MarketplaceEvent.ListingCancelled, (e) => e.payload.listingId === missed.listingId);
    expect(back.received.filter((e) => e.type.startsWith('marketplace.')).map((e) => e.type)).toEqual([
      MarketplaceEvent.ListingCreated,
      MarketplaceEvent.ListingCancelled,
    ]);
  });

  it("coalesces a seller's analytics to at most one a second, however many orders arrive", async () => {
    const bulk = await listItem(tokens.b1, 'Bulk pencils', 100, '1.00');
    const before = sellerB.ofType(SellerEvent.AnalyticsUpdated).length;
    const started = Date.now();
    const placed = await Promise.all(Array.from({ length: 15 }, () => order(bulk.listingId)));
    const expectedOrders = (await as(tokens.b1).get('/sellers/me').expect(200)).body as { analytics: { ordersToday: number } };
    const final = await sellerB.waitFor(
      SellerEvent.AnalyticsUpdated,
      (e) => e.payload.ordersToday === expectedOrders.analytics.ordersToday,
    );
    const elapsed = Date.parse(final.occurredAt) - started;
    const published = sellerB.ofType(SellerEvent.AnalyticsUpdated).slice(before);
    expect(placed).toHaveLength(15);
    expect(published.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
    const times = published.map((e) => Date.parse(e.occurredAt));
    for (let index = 1; index < times.length; index++) expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(950);
    expect(buyer.ofType(SellerEvent.AnalyticsUpdated)).toHaveLength(0);
  });

  it('answers bad marketplace requests with coded errors', async () => {
    await as(tokens.watcher).post('/marketplace/listings', { title: 'x', price: '1', quantity: 1 }).expect(409);
    const invalid = await as(tokens.b1).post('/marketplace/listings', { title: '', price: '0', quantity: 0 }).expect(400);
    expect((invalid.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(['price', 'quantity', 'title']);
    await as(tokens.a2).post('/orders', { listingId: '00000000-0000-4000-8000-000000000000', quantity: 1 }).expect(404);
    const listings = (await as(tokens.watcher).get('/marketplace/listings?pageSize=100').expect(200)).body as { items: ListingSummary[] };
    expect(listings.items.every((listing) => listing.status === 'ACTIVE')).toBe(true);
    await as(tokens.watcher).get(`/sellers/${ctx.tenants.b1.id}`).expect(200);
  });
});
