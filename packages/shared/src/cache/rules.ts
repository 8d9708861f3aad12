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
import {
  ListingStatus,
  OrderStatus,
  ShopItemType,
  type EscrowSummary,
  type InvoiceSummary,
  type ListingSummary,
  type OrderSummary,
  type ShopItemView,
  type WalletView,
} from '../payloads.js';
import type { NotificationPage, OwnSellerView, Page, PresenceView } from '../views.js';
import {
  queryKeys,
  type EscrowListParams,
  type InvoiceListParams,
  type ListingListParams,
  type OrderListParams,
  type PageParams,
} from './keys.js';
import { isNewer, patchPage, type EntityChange, type EntityKind } from './pages.js';
import { writeView, type QueryKey, type QueryStore } from './store.js';

/**
 * How an event changes the cached views:
 * - `patch`: applied from the payload (insert, replace, remove by id and version); a page whose content it cannot
 *   decide is fetched again, once per burst;
 * - `refetch`: the views it names are fetched again (small audiences: one person, one family, one escrow's viewers);
 * - `none`: no cached view shows it, or another event of the same change carries it.
 */
export type CacheEffect = 'patch' | 'refetch' | 'none';

export interface CacheRule<E extends PublishableEvent> {
  readonly effect: CacheEffect;
  /** The cached views it touches, by query key family (for the docs). */
  readonly views: readonly string[];
  /** Applies the event; returns the queries it could not decide, to fetch again (batched, with jitter). */
  readonly apply: (cache: QueryStore, payload: EventPayload<E>, envelope: EventEnvelope<E>) => readonly QueryKey[];
}

const nothing = (): readonly QueryKey[] => [];

/** A cached view, as the query that holds it stores it. */
const read = <T>(cache: QueryStore, key: QueryKey) => cache.getQueryData(key) as T | undefined;
const readAll = <T>(cache: QueryStore, prefix: QueryKey) => cache.getQueriesData({ queryKey: prefix }) as [QueryKey, T | undefined][];

/** Changes a cached view in place; a view nobody holds stays absent. */
function updateView<T>(cache: QueryStore, key: QueryKey, change: (held: T) => T): void {
  const held = read<T>(cache, key);
  if (held === undefined) return;
  const next = change(held);
  if (next !== held) writeView(cache, key, next);
}

// ── Entity kinds: identity, version, sort and filter of each list ───────────────────────────────────────
export const invoiceKind: EntityKind<InvoiceSummary, InvoiceListParams> = {
  id: (invoice) => invoice.invoiceId,
  version: (invoice) => invoice.updatedAt,
  belongs: (invoice, params) => params.status === undefined || params.status === invoice.status,
  filtered: (params) => params.status !== undefined,
};

export const escrowKind: EntityKind<EscrowSummary, EscrowListParams> = {
  id: (escrow) => escrow.escrowId,
  version: (escrow) => escrow.updatedAt,
  createdAt: (escrow) => escrow.createdAt,
  belongs: (escrow, params) => params.status === undefined || params.status === escrow.status,
  filtered: (params) => params.status !== undefined,
};

export const orderKind: EntityKind<OrderSummary, OrderListParams> = {
  id: (order) => order.orderId,
  version: (order) => order.updatedAt,
  createdAt: (order) => order.createdAt,
  belongs: (order, params) =>
    (params.as === 'buyer' ? order.buyerId : order.sellerId) === params.viewerId &&
    (params.status === undefined || params.status === order.status),
  filtered: (params) => params.status !== undefined,
};

/** Listing lists hold active listings only: a sold-out or withdrawn one leaves them. */
export const listingKind: EntityKind<ListingSummary, ListingListParams> = {
  id: (listing) => listing.listingId,
  version: (listing) => listing.updatedAt,
  belongs: (listing, params) =>
    listing.status === ListingStatus.Active && (params.sellerId === undefined || params.sellerId === listing.sellerId),
  filtered: () => true,
};

/** Applies one entity's change to every cached page of its lists; returns the pages it could not decide. */
function patchLists<T, P extends PageParams>(
  cache: QueryStore,
  prefix: QueryKey,
  kind: EntityKind<T, P>,
  item: T,
  change: EntityChange,
): QueryKey[] {
  const refetch: QueryKey[] = [];
  for (const [key, page] of readAll<Page<T>>(cache, prefix)) {
    if (!page) continue;
    const next = patchPage(page, key[prefix.length] as P, kind, item, change);
    if (next === 'refetch') refetch.push(key);
    else if (next !== page) writeView(cache, key, next);
  }
  return refetch;
}

/** Replaces a cached detail with a newer version (a detail nobody has open is not created). */
function patchDetail<T>(cache: QueryStore, key: QueryKey, item: T, version: (item: T) => string): void {
  const held = read<T>(cache, key);
  if (held !== undefined && isNewer(version(item), version(held))) writeView(cache, key, item);
}

/** Keys of those given that are in the cache (a view nobody shows is not fetched). */
function cached(cache: QueryStore, ...keys: QueryKey[]): QueryKey[] {
  return keys.filter((key) => cache.getQueryData(key) !== undefined);
}

// ── Writes: an event's payload or a mutation's response, the same way (so the echo of one's own change is a no-op)
export const cacheWrites = {
  invoice: (cache: QueryStore, invoice: InvoiceSummary, change: EntityChange = 'updated') =>
    patchLists(cache, queryKeys.invoiceLists, invoiceKind, invoice, change),
  escrow(cache: QueryStore, escrow: EscrowSummary, change: EntityChange = 'updated'): QueryKey[] {
    patchDetail(cache, queryKeys.escrow(escrow.escrowId), escrow, (held) => held.updatedAt);
    return patchLists(cache, queryKeys.escrowLists, escrowKind, escrow, change);
  },
  order: (cache: QueryStore, order: OrderSummary, change: EntityChange = 'updated') =>
    patchLists(cache, queryKeys.orderLists, orderKind, order, change),
  listing: (cache: QueryStore, listing: ListingSummary, change: EntityChange = 'updated') =>
    patchLists(cache, queryKeys.listingLists, listingKind, listing, change),
};

/** People came online (first tab) or went offline (last tab gone): the list as it is after that. */
export function applyPresenceChange(view: PresenceView, { changes }: EventPayload<typeof PresenceEvent.Changed>): PresenceView {
  let online = view.online;
  for (const change of changes) {
    const present = online.some((person) => person.userId === change.userId);
    if (change.online && !present) online = [...online, { userId: change.userId, connections: 1 }];
    else if (!change.online && present) online = online.filter((person) => person.userId !== change.userId);
  }
  return online === view.online ? view : { online };
}

/** A status change of an order the viewer holds; one it does not hold is placed by its list (or refetched). */
function patchOrderStatus(cache: QueryStore, change: EventPayload<typeof OrderEvent.StatusChanged>): QueryKey[] {
  const lists = readAll<Page<OrderSummary>>(cache, queryKeys.orderLists);
  const held = lists.flatMap(([, page]) => page?.items ?? []).find((order) => order.orderId === change.orderId);
  // Held anywhere: its new version goes through every list at once. Held nowhere: a list filtered by status may
  // now include it, at a place among rows this client lacks.
  const refetch: QueryKey[] = held
    ? cacheWrites.order(cache, {
        ...held,
        status: change.to,
        transactionReference: change.transactionReference,
        updatedAt: change.changedAt,
      })
    : lists.filter(([key, page]) => page !== undefined && (key[2] as OrderListParams).status !== undefined).map(([key]) => key);
  const own = read<OwnSellerView>(cache, queryKeys.ownSeller);
  // A delivery counts toward the seller's sales and tier progress, which the event does not carry.
  if (change.to === OrderStatus.Delivered && own?.sellerId === change.sellerId) refetch.push(queryKeys.ownSeller);
  return refetch;
}

const shopTypeOrder: readonly string[] = Object.values(ShopItemType);

/** The shop's active items after a catalog change, in the endpoint's order (type, price, id). */
export function applyShopUpdate(items: readonly ShopItemView[], update: EventPayload<typeof ShopEvent.Updated>): ShopItemView[] {
  const byId = new Map(items.map((item) => [item.itemId, item]));
  for (const item of [...update.newItems, ...update.updatedItems]) byId.set(item.itemId, item);
  return [...byId.values()]
    .filter((item) => item.active)
    .sort(
      (a, b) =>
        shopTypeOrder.indexOf(a.type) - shopTypeOrder.indexOf(b.type) ||
        a.price - b.price ||
        (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0),
    );
}

/** A wallet movement not yet in the view (its time is the version: an older or repeated one is ignored). */
export function applyWalletUpdate(view: WalletView, update: EventPayload<typeof WalletEvent.Updated>): WalletView {
  const newest = view.movements[0];
  if (newest && !isNewer(update.movement.at, newest.at)) return view;
  return { balance: update.balance, movements: [update.movement, ...view.movements].slice(0, Math.max(view.movements.length, 1)) };
}

/** A new notification: unread, so it heads the bell's list (unread first, newest first). */
function patchNotifications(cache: QueryStore, notification: EventPayload<typeof NotificationEvent.Created>): QueryKey[] {
  for (const [key, page] of readAll<NotificationPage>(cache, [...queryKeys.notifications, 'list'])) {
    if (!page || page.items.some((item) => item.notificationId === notification.notificationId)) continue;
    const item = { ...notification, readAt: null };
    writeView(cache, key, {
      ...page,
      items: [item, ...page.items].slice(0, page.pageSize),
      total: page.total + 1,
      unread: page.unread + 1,
    });
  }
  return [];
}

/** Read marks: the held items gain their time; a page holding fewer than all must refetch (read ones sort after unread). */
function patchNotificationsRead(
  cache: QueryStore,
  read: EventPayload<typeof NotificationEvent.Read>,
  envelope: EventEnvelope<typeof NotificationEvent.Read>,
): QueryKey[] {
  const refetch: QueryKey[] = [];
  const ids = new Set(read.notificationIds);
  for (const [key, page] of readAll<NotificationPage>(cache, [...queryKeys.notifications, 'list'])) {
    if (!page) continue;
    if (page.total > page.items.length) {
      if (page.unread !== read.unreadCount) refetch.push(key);
      continue;
    }
    const items = page.items.map((item) =>
      item.readAt === null && (read.allRead || ids.has(item.notificationId)) ? { ...item, readAt: envelope.occurredAt } : item,
    );
    const unreadFirst = [...items.filter((item) => item.readAt === null), ...items.filter((item) => item.readAt !== null)];
    writeView(cache, key, { ...page, items: unreadFirst, unread: read.unreadCount });
  }
  return refetch;
}

/** Every invoice event carries the whole invoice: applied to the cached pages, no refetch unless undecidable. */
const invoiceLists = { effect: 'patch', views: ['invoice lists'] } as const;

/**
 * Every domain event's effect on the dashboard's cache, in one map keyed by the catalog: a new event without a
 * rule does not type-check. Used by the dashboard (RealtimeProvider) and by the benchmark's simulated dashboards.
 */
export const cacheRules = {
  [InvoiceEvent.Created]: { ...invoiceLists, apply: (cache, invoice) => cacheWrites.invoice(cache, invoice, 'created') },
  [InvoiceEvent.Updated]: {
    ...invoiceLists,
    apply: (cache, { changedFields: _changed, ...invoice }) => cacheWrites.invoice(cache, invoice),
  },
  [InvoiceEvent.Paid]: { ...invoiceLists, apply: (cache, { paidById: _by, ...invoice }) => cacheWrites.invoice(cache, invoice) },
  [InvoiceEvent.Overdue]: { ...invoiceLists, apply: (cache, invoice) => cacheWrites.invoice(cache, invoice) },
  [InvoiceEvent.ReminderSent]: {
    ...invoiceLists,
    apply: (cache, { remindedAt: _at, remindedById: _by, ...invoice }) => cacheWrites.invoice(cache, invoice),
  },
  [NotificationEvent.Created]: { effect: 'patch', views: ['notification list'], apply: patchNotifications },
  [NotificationEvent.Read]: { effect: 'patch', views: ['notification list'], apply: patchNotificationsRead },
  [ShopEvent.Updated]: {
    effect: 'patch',
    views: ['shop items'],
    apply: (cache, update) => {
      updateView<ShopItemView[]>(cache, queryKeys.shopItems, (items) => applyShopUpdate(items, update));
      return [];
    },
  },
  // The balance arrives as wallet.updated in the same transaction.
  [ShopEvent.PurchaseCompleted]: { effect: 'none', views: [], apply: nothing },
  [WalletEvent.Updated]: {
    effect: 'patch',
    views: ['wallet'],
    apply: (cache, update) => {
      updateView<WalletView>(cache, queryKeys.wallet, (view) => applyWalletUpdate(view, update));
      return [];
    },
  },
  // A family's members see its balance and membership: a handful of people, each fetching their families once.
  [FamilyEvent.ShopPurchase]: { effect: 'refetch', views: ['families'], apply: (cache) => cached(cache, queryKeys.families) },
  [FamilyEvent.MemberChanged]: { effect: 'refetch', views: ['families'], apply: (cache) => cached(cache, queryKeys.families) },
  [EscrowEvent.Created]: {
    effect: 'patch',
    views: ['escrow lists'],
    apply: (cache, escrow) => cacheWrites.escrow(cache, escrow, 'created'),
  },
  // The escrow as it is now, after any change: its lists and detail; the timeline gained an entry the event does not carry.
  [EscrowEvent.Updated]: {
    effect: 'patch',
    views: ['escrow lists', 'escrow detail', 'escrow history'],
    apply: (cache, escrow) => [...cacheWrites.escrow(cache, escrow), ...cached(cache, queryKeys.escrowHistory(escrow.escrowId))],
  },
  // Each of these comes with escrow.updated, which carries the whole escrow.
  [EscrowEvent.PaymentStatus]: { effect: 'none', views: [], apply: nothing },
  [EscrowEvent.StatusChanged]: { effect: 'none', views: [], apply: nothing },
  [EscrowEvent.ConfirmationAdded]: { effect: 'none', views: [], apply: nothing },
  [EscrowEvent.DisputeRaised]: { effect: 'none', views: [], apply: nothing },
  [EscrowEvent.DisputeResolved]: { effect: 'none', views: [], apply: nothing },
  [SellerEvent.OrderCreated]: {
    effect: 'patch',
    views: ['order lists'],
    apply: (cache, order) => cacheWrites.order(cache, order, 'created'),
  },
  // order.status_changed carries the order's new status.
  [SellerEvent.PaymentReceived]: { effect: 'none', views: [], apply: nothing },
  // The next tier and its threshold are not in the event: the seller's own profile is fetched again (one person).
  [SellerEvent.TierUpgraded]: { effect: 'refetch', views: ['own seller profile'], apply: (cache) => cached(cache, queryKeys.ownSeller) },
  [SellerEvent.ReviewReceived]: {
    effect: 'refetch',
    views: ['seller reviews'],
    apply: (cache, review) => cached(cache, queryKeys.sellerReviews(review.sellerId)),
  },
  // The seller page applies the figures itself (useSellerRealTime).
  [SellerEvent.AnalyticsUpdated]: { effect: 'none', views: [], apply: nothing },
  [OrderEvent.StatusChanged]: { effect: 'patch', views: ['order lists', 'own seller profile'], apply: patchOrderStatus },
  [MarketplaceEvent.ListingCreated]: {
    effect: 'patch',
    views: ['listing lists'],
    apply: (cache, listing) => cacheWrites.listing(cache, listing, 'created'),
  },
  [MarketplaceEvent.ListingUpdated]: {
    effect: 'patch',
    views: ['listing lists'],
    apply: (cache, listing) => cacheWrites.listing(cache, listing),
  },
  [MarketplaceEvent.ListingCancelled]: {
    effect: 'patch',
    views: ['listing lists'],
    apply: (cache, listing) => cacheWrites.listing(cache, listing, 'removed'),
  },
  [MarketplaceEvent.ListingSold]: {
    effect: 'patch',
    views: ['listing lists'],
    apply: (cache, listing) => cacheWrites.listing(cache, listing, 'removed'),
  },
  // Names who came or went: `GET /presence` runs on first load and after a reset only.
  [PresenceEvent.Changed]: {
    effect: 'patch',
    views: ['presence'],
    apply: (cache, change) => {
      updateView<PresenceView>(cache, queryKeys.presence, (view) => applyPresenceChange(view, change));
      return [];
    },
  },
} satisfies { readonly [E in PublishableEvent]: CacheRule<E> };

/** Applies an event's rule to the cache; returns the queries it could not decide, to fetch again. */
export function applyEvent(cache: QueryStore, envelope: EventEnvelope): readonly QueryKey[] {
  if (!Object.hasOwn(cacheRules, envelope.type)) return [];
  const rule = cacheRules[envelope.type as PublishableEvent] as unknown as CacheRule<PublishableEvent>;
  return rule.apply(cache, envelope.payload as never, envelope as never);
}
