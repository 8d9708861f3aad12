import type { QueryClient, QueryKey } from '@tanstack/react-query';
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
  type InvoiceSummary,
  type Page,
  type PresenceView,
  type PublishableEvent,
} from '@operate/shared';
import { queryKeys, type InvoiceListParams } from '@/lib/query-keys';

/**
 * Which cached queries each event makes stale. Keyed by every domain event of the catalog: a new event
 * without an entry here does not type-check.
 */
export const invalidations = {
  // Every invoice event carries the whole invoice: patched into the cached lists (cachePatches), no refetch.
  [InvoiceEvent.Created]: () => [],
  [InvoiceEvent.Updated]: () => [],
  [InvoiceEvent.Paid]: () => [],
  [InvoiceEvent.Overdue]: () => [],
  [InvoiceEvent.ReminderSent]: () => [],
  [NotificationEvent.Created]: () => [queryKeys.notifications],
  [NotificationEvent.Read]: () => [queryKeys.notifications],
  [ShopEvent.Updated]: () => [queryKeys.shopItems],
  [ShopEvent.PurchaseCompleted]: () => [queryKeys.shopItems],
  [WalletEvent.Updated]: () => [queryKeys.wallet],
  [FamilyEvent.ShopPurchase]: () => [queryKeys.families],
  // Joined, left, a role changed: the family list (and its wallet) as the person now sees it.
  [FamilyEvent.MemberChanged]: () => [queryKeys.families],
  [EscrowEvent.Created]: () => [queryKeys.escrows],
  [EscrowEvent.Updated]: () => [queryKeys.escrows],
  [EscrowEvent.PaymentStatus]: () => [queryKeys.escrows],
  [EscrowEvent.StatusChanged]: () => [queryKeys.escrows],
  [EscrowEvent.ConfirmationAdded]: () => [queryKeys.escrows],
  [EscrowEvent.DisputeRaised]: () => [queryKeys.escrows],
  [EscrowEvent.DisputeResolved]: () => [queryKeys.escrows],
  [SellerEvent.OrderCreated]: () => [queryKeys.orders, queryKeys.seller],
  [SellerEvent.PaymentReceived]: () => [queryKeys.orders, queryKeys.seller],
  [SellerEvent.TierUpgraded]: () => [queryKeys.seller],
  [SellerEvent.ReviewReceived]: () => [queryKeys.seller],
  // The event carries the figures: the seller page applies them without a refetch.
  [SellerEvent.AnalyticsUpdated]: () => [],
  [OrderEvent.StatusChanged]: () => [queryKeys.orders, queryKeys.seller],
  [MarketplaceEvent.ListingCreated]: () => [queryKeys.listings],
  [MarketplaceEvent.ListingUpdated]: () => [queryKeys.listings],
  [MarketplaceEvent.ListingCancelled]: () => [queryKeys.listings],
  [MarketplaceEvent.ListingSold]: () => [queryKeys.listings],
  // The event names who came or went: applied to the cached list (cachePatches), never a refetch per viewer.
  [PresenceEvent.Changed]: () => [],
} satisfies { readonly [E in PublishableEvent]: (payload: EventPayload<E>) => readonly QueryKey[] };

/** Someone came online (first tab) or went offline (last tab gone): the list as it is after that. */
export function applyPresenceChange(view: PresenceView, change: EventPayload<typeof PresenceEvent.Changed>): PresenceView {
  const present = view.online.some((person) => person.userId === change.userId);
  if (change.online) return present ? view : { online: [...view.online, { userId: change.userId, connections: 1 }] };
  return present ? { online: view.online.filter((person) => person.userId !== change.userId) } : view;
}

/**
 * Events whose payload says exactly how a cached view changes: applied to the cache in place, so a change costs
 * no request however many people watch it. `GET /presence` is fetched on first load and after a reset only.
 */
/** What an invoice event does to one cached page: the page as it is now, or `refetch` when it cannot tell. */
export function patchInvoicePage(
  page: Page<InvoiceSummary>,
  params: InvoiceListParams,
  invoice: InvoiceSummary,
  created: boolean,
): Page<InvoiceSummary> | 'refetch' {
  const belongs = params.status === undefined || params.status === invoice.status;
  const index = page.items.findIndex((item) => item.invoiceId === invoice.invoiceId);
  if (index >= 0) {
    const held = page.items[index]!;
    // Older than what the page holds (or the same version again): nothing to do.
    if (Date.parse(invoice.updatedAt) <= Date.parse(held.updatedAt)) return page;
    if (belongs) return { ...page, items: page.items.map((item, at) => (at === index ? invoice : item)) };
    // Its new status takes it out of this filtered list; what slides in from the next page is not known here.
    return page.total > page.page * page.pageSize
      ? 'refetch'
      : { ...page, items: page.items.filter((_, at) => at !== index), total: page.total - 1 };
  }
  if (!belongs) return page;
  // Newest first: a new invoice opens page 1 and pushes every later page along by one.
  if (created && params.page === 1) return { ...page, items: [invoice, ...page.items].slice(0, page.pageSize), total: page.total + 1 };
  // An invoice this page does not hold now belongs to it (a later page, or a status the filter now matches).
  return 'refetch';
}

/** Patches every cached invoice page; returns the pages that must be fetched again (batched by the caller). */
function patchInvoiceLists(queryClient: QueryClient, invoice: InvoiceSummary, created: boolean): QueryKey[] {
  const refetch: QueryKey[] = [];
  for (const [key, page] of queryClient.getQueriesData<Page<InvoiceSummary>>({ queryKey: [...queryKeys.invoices, 'list'] })) {
    if (!page) continue;
    const next = patchInvoicePage(page, key[2] as InvoiceListParams, invoice, created);
    if (next === 'refetch') refetch.push(key);
    else if (next !== page) queryClient.setQueryData(key, next);
  }
  return refetch;
}

type CachePatch<E extends PublishableEvent> = (queryClient: QueryClient, payload: EventPayload<E>) => readonly QueryKey[] | void;

export const cachePatches: { readonly [E in PublishableEvent]?: CachePatch<E> } = {
  [InvoiceEvent.Created]: (queryClient, invoice) => patchInvoiceLists(queryClient, invoice, true),
  [InvoiceEvent.Updated]: (queryClient, { changedFields: _changed, ...invoice }) => patchInvoiceLists(queryClient, invoice, false),
  [InvoiceEvent.Paid]: (queryClient, { paidById: _by, ...invoice }) => patchInvoiceLists(queryClient, invoice, false),
  [InvoiceEvent.Overdue]: (queryClient, invoice) => patchInvoiceLists(queryClient, invoice, false),
  [InvoiceEvent.ReminderSent]: (queryClient, { remindedAt: _at, remindedById: _by, ...invoice }) =>
    patchInvoiceLists(queryClient, invoice, false),
  [PresenceEvent.Changed]: (queryClient, change) => {
    queryClient.setQueryData<PresenceView>(queryKeys.presence, (view) => (view ? applyPresenceChange(view, change) : view));
  },
};

/** Applies the event's patch to the cache; returns the queries it could not decide, to fetch again (batched). */
export function applyCachePatch(queryClient: QueryClient, envelope: EventEnvelope): readonly QueryKey[] {
  if (!Object.hasOwn(cachePatches, envelope.type)) return [];
  const patch = cachePatches[envelope.type as PublishableEvent] as
    ((queryClient: QueryClient, payload: unknown) => readonly QueryKey[] | void) | undefined;
  return patch?.(queryClient, envelope.payload) ?? [];
}

export function keysToInvalidate(envelope: EventEnvelope): readonly QueryKey[] {
  if (!Object.hasOwn(invalidations, envelope.type)) return [];
  const rule = invalidations[envelope.type as PublishableEvent] as (payload: unknown) => readonly QueryKey[];
  return rule(envelope.payload);
}

/**
 * Collects the keys a burst of events makes stale and invalidates each once after `delayMs`, so 50 invoice
 * events in a moment cost one refetch of the invoice list, not 50.
 */
export class InvalidationBatcher {
  private readonly pending = new Map<string, QueryKey>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly queryClient: QueryClient,
    private readonly delayMs = 50,
  ) {}

  add(keys: readonly QueryKey[]): void {
    for (const key of keys) this.pending.set(JSON.stringify(key), key);
    if (this.pending.size > 0 && this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const keys = [...this.pending.values()];
    this.pending.clear();
    for (const queryKey of keys) void this.queryClient.invalidateQueries({ queryKey });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
