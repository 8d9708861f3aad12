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
  // The server's list is the truth (tabs, other nodes): a change refetches it.
  [PresenceEvent.Changed]: () => [queryKeys.presence],
} satisfies { readonly [E in PublishableEvent]: (payload: EventPayload<E>) => readonly QueryKey[] };

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
