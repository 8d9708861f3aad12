import type { z } from 'zod';
import * as p from './payloads.js';
import { ScopeKind } from './scopes.js';

// Every server→client event name, declared once. Nothing else in the repo spells these strings.
type ValuesOf<T> = T[keyof T];

export const InvoiceEvent = {
  Created: 'invoice.created',
  Updated: 'invoice.updated',
  Paid: 'invoice.paid',
  ReminderSent: 'invoice.reminder_sent',
  Overdue: 'invoice.overdue',
} as const;

export const NotificationEvent = {
  Created: 'notification.created',
  Read: 'notification.read',
} as const;

export const ShopEvent = {
  Updated: 'shop.updated',
  PurchaseCompleted: 'shop.purchase_completed',
} as const;

export const WalletEvent = {
  Updated: 'wallet.updated',
} as const;

export const FamilyEvent = {
  ShopPurchase: 'family.shop_purchase',
  MemberChanged: 'family.member_changed',
} as const;

export const EscrowEvent = {
  Created: 'escrow.created',
  Updated: 'escrow.updated',
  PaymentStatus: 'escrow.payment_status',
  StatusChanged: 'escrow.status_changed',
  ConfirmationAdded: 'escrow.confirmation_added',
  DisputeRaised: 'escrow.dispute_raised',
  DisputeResolved: 'escrow.dispute_resolved',
} as const;

export const SellerEvent = {
  OrderCreated: 'seller.order_created',
  PaymentReceived: 'seller.payment_received',
  TierUpgraded: 'seller.tier_upgraded',
  ReviewReceived: 'seller.review_received',
  AnalyticsUpdated: 'seller.analytics_updated',
} as const;

export const OrderEvent = {
  StatusChanged: 'order.status_changed',
} as const;

export const MarketplaceEvent = {
  ListingCreated: 'marketplace.listing_created',
  ListingUpdated: 'marketplace.listing_updated',
  ListingCancelled: 'marketplace.listing_cancelled',
  ListingSold: 'marketplace.listing_sold',
} as const;

export const PresenceEvent = {
  Changed: 'presence.changed',
} as const;

export const ProtocolEvent = {
  Connected: 'connected',
  Error: 'error',
  Resumed: 'resumed',
  Reset: 'reset',
  ShuttingDown: 'shutting_down',
} as const;
export type ProtocolEventName = ValuesOf<typeof ProtocolEvent>;

export type EventName =
  | ValuesOf<typeof InvoiceEvent>
  | ValuesOf<typeof NotificationEvent>
  | ValuesOf<typeof ShopEvent>
  | ValuesOf<typeof WalletEvent>
  | ValuesOf<typeof FamilyEvent>
  | ValuesOf<typeof EscrowEvent>
  | ValuesOf<typeof SellerEvent>
  | ValuesOf<typeof OrderEvent>
  | ValuesOf<typeof MarketplaceEvent>
  | ValuesOf<typeof PresenceEvent>
  | ValuesOf<typeof ProtocolEvent>;

interface EventDefinition {
  /** Scope kinds the event may be published with. */
  readonly scopes: readonly ScopeKind[];
  readonly payload: z.ZodType;
  readonly summary: string;
}

function define<const S extends readonly ScopeKind[], P extends z.ZodType>(scopes: S, payload: P, summary: string) {
  return { scopes, payload, summary };
}

const escrowScopes = [ScopeKind.Escrow, ScopeKind.User] as const;
/** Listing events go to the marketplace's subscribers and to the seller's own sockets (once to a socket in both). */
const LISTING_SCOPES = [ScopeKind.Marketplace, ScopeKind.User] as const;

/** The catalog: name → allowed scopes, runtime payload schema, one-line meaning. */
export const eventCatalog = {
  [InvoiceEvent.Created]: define([ScopeKind.Organization], p.invoiceSummary, 'An invoice was created.'),
  [InvoiceEvent.Updated]: define([ScopeKind.Organization], p.invoiceUpdated, 'Fields of an invoice changed.'),
  [InvoiceEvent.Paid]: define([ScopeKind.Organization], p.invoicePaid, 'An invoice was paid.'),
  [InvoiceEvent.Overdue]: define([ScopeKind.Organization], p.invoiceOverdue, 'A sent invoice passed its due date.'),
  [InvoiceEvent.ReminderSent]: define(
    [ScopeKind.Organization],
    p.invoiceReminderSent,
    'Someone reminded the customer to pay a sent or overdue invoice.',
  ),
  [NotificationEvent.Created]: define(
    [ScopeKind.User, ScopeKind.Organization],
    p.notificationCreated,
    'A notification for a user or a whole organization was stored.',
  ),
  [NotificationEvent.Read]: define([ScopeKind.User], p.notificationRead, 'The user read notifications (in this or another tab).'),
  [ShopEvent.Updated]: define([ScopeKind.Broadcast], p.shopUpdated, 'The shop catalog changed (items added, repriced or retired).'),
  [ShopEvent.PurchaseCompleted]: define([ScopeKind.User], p.personalPurchase, 'The user bought an item with their personal wallet.'),
  [WalletEvent.Updated]: define([ScopeKind.User], p.walletUpdated, "The user's personal wallet changed (to all of their sockets)."),
  [FamilyEvent.MemberChanged]: define(
    [ScopeKind.Family, ScopeKind.User],
    p.familyMemberChanged,
    "Someone joined, changed role in, was removed from or left a family (to its members and to that person); the person's sockets join or leave the family's room in the stream's order.",
  ),
  [FamilyEvent.ShopPurchase]: define([ScopeKind.Family], p.familyShopPurchase, 'A member bought an item with the family wallet.'),
  // An escrow's events go to its room (subscribers) and to both parties' user rooms, once per socket.
  [EscrowEvent.Created]: define(escrowScopes, p.escrowSummary, 'An escrow was opened between a buyer and a seller.'),
  [EscrowEvent.Updated]: define(escrowScopes, p.escrowSummary, 'The escrow as it is now, after any change.'),
  [EscrowEvent.PaymentStatus]: define(
    escrowScopes,
    p.escrowPaymentStatus,
    "The payment provider reported a new status for the buyer's payment.",
  ),
  [EscrowEvent.StatusChanged]: define(escrowScopes, p.escrowStatusChanged, 'The escrow moved from one state to another.'),
  [EscrowEvent.ConfirmationAdded]: define(escrowScopes, p.escrowConfirmationAdded, 'A party confirmed delivery.'),
  [EscrowEvent.DisputeRaised]: define(escrowScopes, p.escrowDisputeRaised, 'A party disputed a held escrow.'),
  [EscrowEvent.DisputeResolved]: define(escrowScopes, p.escrowDisputeResolved, 'An admin resolved the dispute (release or refund).'),
  [SellerEvent.OrderCreated]: define([ScopeKind.User], p.orderSummary, 'A buyer placed an order with the seller.'),
  [SellerEvent.PaymentReceived]: define(
    [ScopeKind.User],
    p.sellerPaymentReceived,
    "The payment provider confirmed the buyer's payment for one of the seller's orders.",
  ),
  [SellerEvent.TierUpgraded]: define(
    [ScopeKind.User],
    p.sellerTierUpgraded,
    "A delivered sale lifted the seller's volume into a higher tier.",
  ),
  [SellerEvent.ReviewReceived]: define([ScopeKind.User], p.sellerReviewReceived, 'A buyer reviewed a delivered order.'),
  [SellerEvent.AnalyticsUpdated]: define([ScopeKind.User], p.sellerAnalytics, "Today's figures for the seller; at most one per second."),
  [OrderEvent.StatusChanged]: define([ScopeKind.User], p.orderStatusChanged, 'An order moved on (to the seller and the buyer).'),
  [MarketplaceEvent.ListingCreated]: define(
    LISTING_SCOPES,
    p.listingSummary,
    'A seller listed something (to the marketplace and the seller).',
  ),
  [MarketplaceEvent.ListingUpdated]: define(LISTING_SCOPES, p.listingSummary, 'A listing changed (price, title, stock).'),
  [MarketplaceEvent.ListingCancelled]: define(LISTING_SCOPES, p.listingSummary, 'The seller withdrew a listing.'),
  [MarketplaceEvent.ListingSold]: define(LISTING_SCOPES, p.listingSummary, 'The last unit of a listing was ordered.'),
  [PresenceEvent.Changed]: define(
    [ScopeKind.Organization],
    p.presenceChanged,
    'Members came online (first tab or device) or went offline (last one gone for PRESENCE_OFFLINE_GRACE_MS): an organization’s changes of one PRESENCE_SETTLE_MS window in one event.',
  ),
  [ProtocolEvent.Connected]: define([ScopeKind.Connection], p.connected, 'The handshake succeeded; rooms are joined.'),
  [ProtocolEvent.Error]: define([ScopeKind.Connection], p.protocolError, 'A problem with this connection, with a stable code.'),
  [ProtocolEvent.Resumed]: define([ScopeKind.Connection], p.resumed, 'Every missed event since the given cursor was replayed.'),
  [ProtocolEvent.Reset]: define([ScopeKind.Connection], p.reset, 'Missed events cannot be replayed: refetch, then continue.'),
  [ProtocolEvent.ShuttingDown]: define([ScopeKind.Connection], p.shuttingDown, 'The server is stopping; reconnect.'),
} as const satisfies { readonly [E in EventName]: EventDefinition };

export type EventCatalog = typeof eventCatalog;
export type EventPayload<E extends EventName> = z.infer<EventCatalog[E]['payload']>;
export type EventScopeKinds<E extends EventName> = EventCatalog[E]['scopes'][number];

/** Events a feature module may publish with a scope of kind K (protocol events are the gateway's own). */
export type PublishableEvent<K extends ScopeKind = ScopeKind> = {
  [E in EventName]: K extends EventScopeKinds<E> ? (E extends ProtocolEventName ? never : E) : never;
}[EventName];

/** Events that may go to scopes of every kind in K at once (one event to several scopes). */
export type PublishableToAll<K extends ScopeKind> = {
  [E in EventName]: [K] extends [EventScopeKinds<E>] ? (E extends ProtocolEventName ? never : E) : never;
}[EventName];

export const eventNames = Object.keys(eventCatalog) as EventName[];

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(eventCatalog, value);
}

/**
 * What every delivered event looks like: metadata beside the payload, the same shape for every event.
 * `id` is unique per event (clients drop duplicates by it); `occurredAt` is when it was published;
 * `cursor` is its position in the stream (increasing in delivery order; resume from the last one seen),
 * null for protocol events, which belong to one connection and are not replayed.
 */
export interface EventEnvelope<E extends EventName = EventName> {
  readonly id: string;
  readonly type: E;
  readonly occurredAt: string;
  readonly cursor: E extends ProtocolEventName ? null : number;
  readonly payload: EventPayload<E>;
}

/** A union of envelopes, one per event of E, discriminated by `type` (a switch on it narrows the payload). */
export type EnvelopeOf<E extends EventName> = { [K in E]: EventEnvelope<K> }[E];
