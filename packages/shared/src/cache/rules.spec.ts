import { afterEach, describe, expect, it } from '@jest/globals';
import { QueryClient } from '@tanstack/query-core';
import {
  EscrowEvent,
  FamilyEvent,
  InvoiceEvent,
  MarketplaceEvent,
  NotificationEvent,
  OrderEvent,
  PresenceEvent,
  SellerEvent,
  ShopEvent,
  WalletEvent,
  type EventEnvelope,
  type EventPayload,
  type PublishableEvent,
} from '../catalog.js';
import type { ResyncReason } from '../client/realtime-client.js';
import { sampleInvoice } from '../client/testing/fixtures.js';
import type { EscrowSummary, ListingSummary, OrderSummary, ShopItemView, WalletView } from '../payloads.js';
import type { NotificationPage, Page, PresenceView } from '../views.js';
import { queryKeys } from './keys.js';
import { applyEvent, cacheRules } from './rules.js';
import type { QueryStore } from './store.js';
import { syncCache } from './sync.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const T0 = '2026-11-25T10:00:00.000Z';
const T1 = '2026-11-25T11:00:00.000Z';
const ME = id(900);
const OTHER = id(901);
let cursor = 0;
const envelope = <E extends PublishableEvent>(type: E, payload: EventPayload<E>, occurredAt = T1): EventEnvelope => ({
  id: `e${++cursor}`,
  type,
  cursor,
  occurredAt,
  payload,
});
const page = <T>(items: T[], total = items.length, number = 1, pageSize = 20): Page<T> => ({ items, page: number, pageSize, total });

const clients: QueryClient[] = [];
function cache(): QueryClient {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  clients.push(client);
  return client;
}
afterEach(() => clients.splice(0).forEach((client) => client.clear()));

const escrow = (n: number, updatedAt = T0): EscrowSummary => ({
  escrowId: id(n),
  buyerId: ME,
  sellerId: OTHER,
  amount: '100.00',
  currency: 'EUR',
  description: `Escrow ${n}`,
  status: 'INITIATED',
  paymentStatus: 'AWAITING_PAYMENT',
  paymentReference: `pay_${n}`,
  buyerConfirmedAt: null,
  sellerConfirmedAt: null,
  dispute: null,
  createdAt: new Date(Date.UTC(2026, 10, 25, 0, n)).toISOString(),
  updatedAt,
});
const order = (n: number, buyerId = ME, sellerId = OTHER): OrderSummary => ({
  orderId: id(n),
  listingId: id(500),
  listingTitle: 'Walnut shelf',
  sellerId,
  buyerId,
  quantity: 1,
  amount: '40.00',
  currency: 'EUR',
  status: 'PENDING',
  paymentReference: `pay_${n}`,
  transactionReference: null,
  createdAt: new Date(Date.UTC(2026, 10, 25, 0, n)).toISOString(),
  updatedAt: T0,
});
const listing = (n: number, changes: Partial<ListingSummary> = {}): ListingSummary => ({
  listingId: id(n),
  sellerId: OTHER,
  sellerName: 'Walnut & Co',
  sellerTier: 'BRONZE',
  title: `Listing ${n}`,
  price: '40.00',
  currency: 'EUR',
  quantity: 3,
  status: 'ACTIVE',
  updatedAt: T0,
  ...changes,
});

describe('cacheRules: each event kind patches the views it names', () => {
  it('has a rule for every publishable event, and a refetch or none rule names why in its views', () => {
    for (const [event, rule] of Object.entries(cacheRules)) {
      expect(['patch', 'refetch', 'none']).toContain(rule.effect);
      expect(rule.effect === 'none' ? rule.views.length === 0 : rule.views.length > 0).toBe(true);
      expect(typeof event).toBe('string');
    }
  });

  it('invoice.created, .updated and .paid patch every cached page; nothing is fetched', () => {
    const client = cache();
    const all = queryKeys.invoiceList({ page: 1, pageSize: 20 });
    const drafts = queryKeys.invoiceList({ page: 1, pageSize: 20, status: 'DRAFT' });
    client.setQueryData(all, page([]));
    client.setQueryData(drafts, page([]));
    const created = { ...sampleInvoice('INV-00001'), invoiceId: id(1), updatedAt: T0 };
    expect(applyEvent(client, envelope(InvoiceEvent.Created, created))).toEqual([]);
    expect(client.getQueryData<Page<unknown>>(all)?.items).toEqual([created]);
    expect(client.getQueryData<Page<unknown>>(drafts)?.items).toEqual([created]);
    const edited = { ...created, customerName: 'Initech', updatedAt: T1 };
    expect(applyEvent(client, envelope(InvoiceEvent.Updated, { ...edited, changedFields: ['customerName'] }))).toEqual([]);
    expect(client.getQueryData<Page<unknown>>(all)?.items).toEqual([edited]);
    const paid = { ...edited, status: 'PAID' as const, paidAt: '2026-11-25T12:00:00.000Z', updatedAt: '2026-11-25T12:00:00.000Z' };
    expect(applyEvent(client, envelope(InvoiceEvent.Paid, { ...paid, paidById: ME }))).toEqual([]);
    expect(client.getQueryData<Page<unknown>>(all)?.items).toEqual([paid]);
    // Paid is no longer a draft, and no next page slides in.
    expect(client.getQueryData<Page<unknown>>(drafts)).toEqual(page([], 0));
    // The edit arriving again, late, changes nothing.
    applyEvent(client, envelope(InvoiceEvent.Updated, { ...edited, changedFields: ['customerName'] }));
    expect(client.getQueryData<Page<unknown>>(all)?.items).toEqual([paid]);
  });

  it('escrow.created and .updated patch lists and the open detail, and name the open history to fetch again', () => {
    const client = cache();
    const list = queryKeys.escrowList({ page: 1, pageSize: 20 });
    client.setQueryData(list, page([escrow(1)]));
    client.setQueryData(queryKeys.escrow(id(1)), escrow(1));
    client.setQueryData(queryKeys.escrowHistory(id(1)), []);
    expect(applyEvent(client, envelope(EscrowEvent.Created, escrow(2)))).toEqual([]);
    expect(client.getQueryData<Page<EscrowSummary>>(list)?.items.map((item) => item.description)).toEqual(['Escrow 2', 'Escrow 1']);
    const held = { ...escrow(1, T1), status: 'HELD' as const };
    expect(applyEvent(client, envelope(EscrowEvent.Updated, held))).toEqual([queryKeys.escrowHistory(id(1))]);
    expect(client.getQueryData(queryKeys.escrow(id(1)))).toEqual(held);
    // Nobody shows escrow 2's history: nothing to fetch for it.
    expect(applyEvent(client, envelope(EscrowEvent.Updated, { ...escrow(2, T1), status: 'HELD' }))).toEqual([]);
    expect(client.getQueryData(queryKeys.escrow(id(2)))).toBeUndefined();
    expect(
      applyEvent(client, envelope(EscrowEvent.StatusChanged, { escrowId: id(1), from: 'INITIATED', to: 'HELD', changedAt: T1 })),
    ).toEqual([]);
  });

  it('seller.order_created and order.status_changed patch the viewer’s buyer and seller lists by party', () => {
    const client = cache();
    const bought = queryKeys.orderList({ as: 'buyer', viewerId: ME, page: 1, pageSize: 20 });
    const sold = queryKeys.orderList({ as: 'seller', viewerId: ME, page: 1, pageSize: 20 });
    client.setQueryData(bought, page([order(1)]));
    client.setQueryData(sold, page([]));
    // Someone bought from me: my seller list gains it, my buyer list does not.
    expect(applyEvent(client, envelope(SellerEvent.OrderCreated, order(2, OTHER, ME)))).toEqual([]);
    expect(client.getQueryData<Page<OrderSummary>>(sold)?.items.map((item) => item.orderId)).toEqual([id(2)]);
    expect(client.getQueryData<Page<OrderSummary>>(bought)?.items.map((item) => item.orderId)).toEqual([id(1)]);
    const shipped = {
      orderId: id(1),
      sellerId: OTHER,
      buyerId: ME,
      from: 'PAID',
      to: 'SHIPPED',
      transactionReference: 'tx_1',
      changedAt: T1,
    } as const;
    expect(applyEvent(client, envelope(OrderEvent.StatusChanged, shipped))).toEqual([]);
    expect(client.getQueryData<Page<OrderSummary>>(bought)?.items[0]).toMatchObject({
      status: 'SHIPPED',
      transactionReference: 'tx_1',
      updatedAt: T1,
    });
    // An older status change (arriving late) does not undo it.
    applyEvent(client, envelope(OrderEvent.StatusChanged, { ...shipped, from: 'PENDING', to: 'PAID', changedAt: T0 }));
    expect(client.getQueryData<Page<OrderSummary>>(bought)?.items[0]?.status).toBe('SHIPPED');
  });

  it('listing events insert, update and remove in the marketplace and the seller’s own list', () => {
    const client = cache();
    const market = queryKeys.listingList({ page: 1, pageSize: 20 });
    const theirs = queryKeys.listingList({ sellerId: ME, page: 1, pageSize: 20 });
    client.setQueryData(market, page([listing(1)]));
    client.setQueryData(theirs, page([]));
    applyEvent(client, envelope(MarketplaceEvent.ListingCreated, listing(2)));
    expect(client.getQueryData<Page<ListingSummary>>(market)?.items.map((item) => item.title)).toEqual(['Listing 2', 'Listing 1']);
    expect(client.getQueryData<Page<ListingSummary>>(theirs)?.items).toEqual([]);
    applyEvent(client, envelope(MarketplaceEvent.ListingUpdated, listing(1, { quantity: 1, updatedAt: T1 })));
    expect(client.getQueryData<Page<ListingSummary>>(market)?.items[1]?.quantity).toBe(1);
    applyEvent(
      client,
      envelope(MarketplaceEvent.ListingSold, listing(1, { quantity: 0, status: 'SOLD', updatedAt: '2026-11-25T12:00:00.000Z' })),
    );
    applyEvent(client, envelope(MarketplaceEvent.ListingCancelled, listing(2, { status: 'CANCELLED', updatedAt: T1 })));
    expect(client.getQueryData<Page<ListingSummary>>(market)).toEqual(page([], 0));
  });

  it('presence, wallet, shop and notification events patch their views; a repeated one changes nothing', () => {
    const client = cache();
    client.setQueryData<PresenceView>(queryKeys.presence, { online: [{ userId: ME, connections: 1 }] });
    applyEvent(client, envelope(PresenceEvent.Changed, { changes: [{ userId: OTHER, online: true }] }));
    applyEvent(client, envelope(PresenceEvent.Changed, { changes: [{ userId: OTHER, online: true }] }));
    expect(client.getQueryData<PresenceView>(queryKeys.presence)?.online.map((person) => person.userId)).toEqual([ME, OTHER]);
    // One wave's event names several people: each is applied.
    applyEvent(
      client,
      envelope(PresenceEvent.Changed, {
        changes: [
          { userId: ME, online: false },
          { userId: id(902), online: true },
        ],
      }),
    );
    expect(client.getQueryData<PresenceView>(queryKeys.presence)?.online.map((person) => person.userId)).toEqual([OTHER, id(902)]);

    client.setQueryData<WalletView>(queryKeys.wallet, { balance: 100, movements: [] });
    const movement = { movementId: id(1), amount: -30, reason: 'purchase' as const, itemName: 'Aurora', at: T1 };
    applyEvent(client, envelope(WalletEvent.Updated, { balance: 70, movement }));
    applyEvent(client, envelope(WalletEvent.Updated, { balance: 70, movement }));
    expect(client.getQueryData(queryKeys.wallet)).toEqual({ balance: 70, movements: [movement] });

    const item = (n: number, type: ShopItemView['type'], price: number, active = true): ShopItemView => ({
      itemId: id(n),
      type,
      name: `Item ${n}`,
      price,
      active,
    });
    client.setQueryData(queryKeys.shopItems, [item(1, 'THEME', 50), item(2, 'AVATAR', 20)]);
    applyEvent(client, envelope(ShopEvent.Updated, { newItems: [item(3, 'THEME', 10)], updatedItems: [item(2, 'AVATAR', 20, false)] }));
    expect(client.getQueryData<ShopItemView[]>(queryKeys.shopItems)?.map((shown) => shown.itemId)).toEqual([id(3), id(1)]);

    const bell = queryKeys.notificationList(8);
    client.setQueryData<NotificationPage>(bell, { items: [], page: 1, pageSize: 8, total: 0, unread: 0 });
    const note = {
      notificationId: id(7),
      title: 'Paid',
      message: 'INV-1 was paid',
      type: 'success',
      priority: 'normal',
      userId: null,
      createdAt: T0,
    } as const;
    applyEvent(client, envelope(NotificationEvent.Created, note));
    applyEvent(client, envelope(NotificationEvent.Created, note));
    expect(client.getQueryData<NotificationPage>(bell)).toMatchObject({
      total: 1,
      unread: 1,
      items: [{ notificationId: id(7), readAt: null }],
    });
    applyEvent(client, envelope(NotificationEvent.Read, { notificationIds: [id(7)], allRead: false, unreadCount: 0 }, T1));
    expect(client.getQueryData<NotificationPage>(bell)).toMatchObject({ unread: 0, items: [{ readAt: T1 }] });
  });

  it('refetch rules name only views that are cached', () => {
    const client = cache();
    const change = {
      familyId: id(3),
      familyName: 'Smiths',
      change: 'added',
      userId: ME,
      name: 'Me',
      role: 'VIEWER',
      byId: OTHER,
      at: T0,
    } as const;
    expect(applyEvent(client, envelope(FamilyEvent.MemberChanged, change))).toEqual([]);
    client.setQueryData(queryKeys.families, []);
    expect(applyEvent(client, envelope(FamilyEvent.MemberChanged, change))).toEqual([queryKeys.families]);
  });
});

describe('syncCache', () => {
  function source() {
    const handlers = { event: [] as ((envelope: EventEnvelope) => void)[], resync: [] as ((reason: ResyncReason) => void)[] };
    return {
      onEvent: (handler: (envelope: EventEnvelope) => void) => (handlers.event.push(handler), () => undefined),
      onResync: (listener: (reason: ResyncReason) => void) => (handlers.resync.push(listener), () => undefined),
      emit: (event: EventEnvelope) => handlers.event.forEach((handler) => handler(event)),
      resync: () => handlers.resync.forEach((listener) => listener('too_far_behind')),
    };
  }

  it('fetches a page it cannot decide exactly once for a burst, after the jitter; a decided page never', async () => {
    const client = cache();
    const events = source();
    const sent = queryKeys.invoiceList({ page: 1, pageSize: 20, status: 'SENT' });
    const all = queryKeys.invoiceList({ page: 1, pageSize: 20 });
    client.setQueryData(sent, page([]));
    client.setQueryData(all, page([]));
    const refetched: string[] = [];
    const store: QueryStore = {
      getQueryData: (key) => client.getQueryData(key),
      getQueriesData: (filters) => client.getQueriesData(filters),
      setQueryData: (key, data) => client.setQueryData(key, data),
      invalidateQueries: (filters) => (refetched.push(JSON.stringify(filters?.queryKey)), Promise.resolve()),
    };
    const stop = syncCache(events, store, { delayMs: 10, jitterMs: 40, random: () => 0.5 });
    for (let n = 1; n <= 10; n++) {
      // Each invoice turns SENT: the filtered page cannot tell where it sorts; the unfiltered one holds none of them.
      events.emit(
        envelope(InvoiceEvent.Updated, {
          ...sampleInvoice(`INV-${n}`),
          invoiceId: id(n),
          status: 'SENT',
          updatedAt: T1,
          changedFields: ['status'],
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    // 10 ms + half of 40 ms of jitter: not yet.
    expect(refetched).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(refetched).toEqual([JSON.stringify(sent)]);
    // After a reset everything shown is fetched again.
    events.resync();
    expect(refetched).toEqual([JSON.stringify(sent), JSON.stringify(undefined)]);
    stop();
  });
});
