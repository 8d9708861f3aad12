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
  type PresenceView,
  type PublishableEvent,
} from '@operate/shared';
import { queryKeys } from '@/lib/query-keys';

/**
 * Which cached queries each event makes stale. Keyed by every domain event of the catalog: a new event
 * without an entry here does not type-check.
 */
export const invalidations = {
  [InvoiceEvent.Created]: () => [queryKeys.invoices],
  [InvoiceEvent.Updated]: () => [queryKeys.invoices],
  [InvoiceEvent.Paid]: () => [queryKeys.invoices],
  [InvoiceEvent.Overdue]: () => [queryKeys.invoices],
  [InvoiceEvent.ReminderSent]: () => [queryKeys.invoices],
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
export const cachePatches: { readonly [E in PublishableEvent]?: (queryClient: QueryClient, payload: EventPayload<E>) => void } = {
  [PresenceEvent.Changed]: (queryClient, change) =>
    queryClient.setQueryData<PresenceView>(queryKeys.presence, (view) => (view ? applyPresenceChange(view, change) : view)),
};

export function applyCachePatch(queryClient: QueryClient, envelope: EventEnvelope): void {
  if (!Object.hasOwn(cachePatches, envelope.type)) return;
  const patch = cachePatches[envelope.type as PublishableEvent] as ((queryClient: QueryClient, payload: unknown) => void) | undefined;
  patch?.(queryClient, envelope.payload);
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
