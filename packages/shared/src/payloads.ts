import { z } from 'zod';

// Wire formats: ids are UUID strings, timestamps ISO-8601 strings, money a decimal string plus currency.
export const isoDateTime = z.iso.datetime({ offset: true });
export const money = z.string().regex(/^-?\d+\.\d{2}$/, 'a decimal string with two places, e.g. "1250.00"');
/** Currencies in use (ISO 4217), as the runtime's ICU knows them; a runtime without the list accepts any three capitals. */
const currencyCodes: ReadonlySet<string> | undefined =
  typeof Intl.supportedValuesOf === 'function' ? new Set(Intl.supportedValuesOf('currency')) : undefined;

/** True for an ISO 4217 currency code in use ("EUR", "USD"); false for "ZZZ", "eur" or "EURO". */
export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{3}$/.test(value) && (currencyCodes?.has(value) ?? true);
}

export const CURRENCY_MESSAGE = 'must be an ISO 4217 currency code, e.g. "EUR"';
// The pattern stays for the JSON schema (AsyncAPI); the list is checked on top of it.
export const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, CURRENCY_MESSAGE)
  .refine(isCurrencyCode, CURRENCY_MESSAGE);
/** Ids are lower-case UUIDs: one spelled in capitals is the same id, and must name the same room. */
export const uuid = z.uuid().toLowerCase();

export const InvoiceStatus = {
  Draft: 'DRAFT',
  Sent: 'SENT',
  Paid: 'PAID',
  Overdue: 'OVERDUE',
  Void: 'VOID',
} as const;
export type InvoiceStatus = (typeof InvoiceStatus)[keyof typeof InvoiceStatus];
export const invoiceStatus = z.enum(InvoiceStatus);

export const invoiceSummary = z.object({
  invoiceId: uuid,
  organizationId: uuid,
  invoiceNumber: z.string(),
  customerName: z.string(),
  total: money,
  currency,
  status: invoiceStatus,
  dueAt: isoDateTime,
  sentAt: isoDateTime.nullable(),
  paidAt: isoDateTime.nullable(),
  updatedAt: isoDateTime,
});
export type InvoiceSummary = z.infer<typeof invoiceSummary>;

export const invoiceField = z.enum(['customerName', 'total', 'currency', 'dueAt', 'status']);
export type InvoiceField = z.infer<typeof invoiceField>;

export const invoiceUpdated = invoiceSummary.extend({ changedFields: z.array(invoiceField).min(1) });

// Each carries the whole invoice as it is after the change (its `updatedAt` is the version), so a client applies it
// to what it shows without asking the API again.
export const invoicePaid = invoiceSummary.extend({
  paidAt: isoDateTime,
  paidById: uuid,
});

export const invoiceOverdue = invoiceSummary;

export const invoiceReminderSent = invoiceSummary.extend({
  remindedAt: isoDateTime,
  remindedById: uuid,
});

export const NotificationType = { Info: 'info', Success: 'success', Warning: 'warning', Error: 'error' } as const;
export type NotificationType = (typeof NotificationType)[keyof typeof NotificationType];
export const NotificationPriority = { Low: 'low', Normal: 'normal', High: 'high' } as const;
export type NotificationPriority = (typeof NotificationPriority)[keyof typeof NotificationPriority];

export const notificationCreated = z.object({
  notificationId: uuid,
  title: z.string(),
  message: z.string(),
  type: z.enum(NotificationType),
  priority: z.enum(NotificationPriority),
  /** Set when the notification is for one user; null when it is for the whole organization. */
  userId: uuid.nullable(),
  createdAt: isoDateTime,
});
export type NotificationCreated = z.infer<typeof notificationCreated>;

/** A position in the event stream; every delivered event carries one, in increasing order. */
export const cursor = z.number().int().nonnegative();

/**
 * People (any number of tabs and devices each, on any node) came online or went offline: every change of one
 * organization within one settle window, so a login wave costs each socket one event per window.
 */
export const presenceChanged = z.object({
  changes: z
    .array(z.object({ userId: uuid, online: z.boolean() }))
    .min(1)
    .max(500),
});

export const notificationRead = z.object({
  /** The notifications just marked read (empty when `allRead`). */
  notificationIds: z.array(uuid).max(100),
  /** True when everything visible to the user was marked read at once. */
  allRead: z.boolean(),
  unreadCount: z.number().int().nonnegative(),
});

export const ShopItemType = { Theme: 'THEME', Avatar: 'AVATAR', Banner: 'BANNER', Bundle: 'BUNDLE' } as const;
export type ShopItemType = (typeof ShopItemType)[keyof typeof ShopItemType];
/** SBD tokens: whole, non-negative amounts. */
export const tokens = z.number().int().nonnegative();

export const shopItem = z.object({
  itemId: uuid,
  type: z.enum(ShopItemType),
  name: z.string(),
  price: tokens,
  active: z.boolean(),
});
export type ShopItemView = z.infer<typeof shopItem>;

export const shopUpdated = z.object({
  newItems: z.array(shopItem),
  /** Changed or retired (`active: false`) items. */
  updatedItems: z.array(shopItem),
});

export const familyShopPurchase = z.object({
  familyId: uuid,
  purchaseId: uuid,
  purchaserId: uuid,
  purchaserUsername: z.string(),
  itemId: uuid,
  itemType: z.enum(ShopItemType),
  /** The item's name when bought, for feeds ("Bob bought Aurora"). */
  itemName: z.string(),
  price: tokens,
  newBalance: tokens,
  purchasedAt: isoDateTime,
});

export const FamilyRole = { Owner: 'OWNER', Spender: 'SPENDER', Viewer: 'VIEWER' } as const;
export type FamilyRole = (typeof FamilyRole)[keyof typeof FamilyRole];

export const FamilyChange = { Added: 'added', RoleChanged: 'role_changed', Removed: 'removed', Left: 'left' } as const;
export type FamilyChange = (typeof FamilyChange)[keyof typeof FamilyChange];

export const familyMemberChanged = z.object({
  familyId: uuid,
  familyName: z.string(),
  change: z.enum(FamilyChange),
  /** Whose membership changed. */
  userId: uuid,
  name: z.string(),
  /** Their role now; null once they are out. */
  role: z.enum(FamilyRole).nullable(),
  /** Who made the change (the person themselves for `left`). */
  byId: uuid,
  at: isoDateTime,
});
export type FamilyMemberChanged = z.infer<typeof familyMemberChanged>;

export const personalPurchase = z.object({
  purchaseId: uuid,
  itemId: uuid,
  itemType: z.enum(ShopItemType),
  itemName: z.string(),
  price: tokens,
  newBalance: tokens,
  purchasedAt: isoDateTime,
});

/** One change of a personal wallet: a purchase spends (negative). */
export const walletMovement = z.object({
  movementId: uuid,
  amount: z.number().int(),
  reason: z.literal('purchase'),
  /** What was bought. */
  itemName: z.string(),
  at: isoDateTime,
});
export type WalletMovement = z.infer<typeof walletMovement>;

/** The caller's personal wallet (`GET /wallet`): the balance and the latest movements, newest first. */
export const walletView = z.object({ balance: tokens, movements: z.array(walletMovement) });
export type WalletView = z.infer<typeof walletView>;

/** The personal wallet changed: its balance now, and the movement that changed it. */
export const walletUpdated = z.object({ balance: tokens, movement: walletMovement });

// ── Escrow ──────────────────────────────────────────────────────────────────────────────────────────
export const EscrowStatus = {
  Initiated: 'INITIATED',
  Held: 'HELD',
  Released: 'RELEASED',
  Refunded: 'REFUNDED',
  Disputed: 'DISPUTED',
} as const;
export type EscrowStatus = (typeof EscrowStatus)[keyof typeof EscrowStatus];
export const escrowStatus = z.enum(EscrowStatus);

/** Where the buyer's money is, as the payment provider reports it. */
export const PaymentStatus = {
  /** Waiting for the buyer to pay. */
  AwaitingPayment: 'AWAITING_PAYMENT',
  Processing: 'PROCESSING',
  Captured: 'CAPTURED',
  Failed: 'FAILED',
  Refunded: 'REFUNDED',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];
export const paymentStatus = z.enum(PaymentStatus);

export const EscrowParty = { Buyer: 'buyer', Seller: 'seller' } as const;
export type EscrowParty = (typeof EscrowParty)[keyof typeof EscrowParty];
export const escrowParty = z.enum(EscrowParty);

export const DisputeOutcome = { Release: 'release', Refund: 'refund' } as const;
export type DisputeOutcome = (typeof DisputeOutcome)[keyof typeof DisputeOutcome];
export const disputeOutcome = z.enum(DisputeOutcome);

export const escrowSummary = z.object({
  escrowId: uuid,
  buyerId: uuid,
  sellerId: uuid,
  amount: money,
  currency,
  description: z.string(),
  status: escrowStatus,
  paymentStatus,
  /** The reference the buyer pays with at the provider; its webhooks name it. */
  paymentReference: z.string(),
  buyerConfirmedAt: isoDateTime.nullable(),
  sellerConfirmedAt: isoDateTime.nullable(),
  dispute: z
    .object({
      raisedById: uuid,
      reason: z.string(),
      raisedAt: isoDateTime,
      outcome: disputeOutcome.nullable(),
      resolvedById: uuid.nullable(),
      resolvedAt: isoDateTime.nullable(),
      note: z.string().nullable(),
    })
    .nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type EscrowSummary = z.infer<typeof escrowSummary>;

export const EscrowAction = {
  Opened: 'opened',
  Payment: 'payment',
  Confirmed: 'confirmed',
  Disputed: 'disputed',
  Resolved: 'resolved',
  /** For escrows opened before history was kept: where they stood when it began. */
  HistoryStarted: 'history_started',
} as const;
export type EscrowAction = (typeof EscrowAction)[keyof typeof EscrowAction];

/** One change of an escrow (`GET /escrows/:id/history`), recorded in the change's own transaction. */
export const escrowHistoryEntry = z.object({
  entryId: uuid,
  at: isoDateTime,
  action: z.enum(EscrowAction),
  /** Who did it: a party, the arbiter; null for the payment provider (or history's start). */
  actorId: uuid.nullable(),
  fromStatus: escrowStatus.nullable(),
  toStatus: escrowStatus,
  paymentStatus,
  /** The provider's event id, for a payment. */
  providerEventId: z.string().nullable(),
  /** The dispute's reason, or the arbiter's note. */
  note: z.string().nullable(),
});
export type EscrowHistoryEntry = z.infer<typeof escrowHistoryEntry>;

export const escrowPaymentStatus = z.object({
  escrowId: uuid,
  previous: paymentStatus,
  paymentStatus,
  /** The provider's event that reported it. */
  providerEventId: z.string(),
  amount: money,
  currency,
  changedAt: isoDateTime,
});

export const escrowStatusChanged = z.object({
  escrowId: uuid,
  from: escrowStatus,
  to: escrowStatus,
  changedAt: isoDateTime,
});

export const escrowConfirmationAdded = z.object({
  escrowId: uuid,
  party: escrowParty,
  userId: uuid,
  confirmedAt: isoDateTime,
  buyerConfirmed: z.boolean(),
  sellerConfirmed: z.boolean(),
});

export const escrowDisputeRaised = z.object({
  escrowId: uuid,
  raisedById: uuid,
  party: escrowParty,
  reason: z.string(),
  raisedAt: isoDateTime,
});

export const escrowDisputeResolved = z.object({
  escrowId: uuid,
  outcome: disputeOutcome,
  resolvedById: uuid,
  note: z.string().nullable(),
  resolvedAt: isoDateTime,
});

// ── Seller and marketplace ─────────────────────────────────────────────────────────────────────────────
export const SellerTier = { Bronze: 'BRONZE', Silver: 'SILVER', Gold: 'GOLD', Platinum: 'PLATINUM' } as const;
export type SellerTier = (typeof SellerTier)[keyof typeof SellerTier];
export const sellerTier = z.enum(SellerTier);

export const tierBenefits = z.object({
  /** The marketplace's cut of each sale, as a decimal fraction string ("0.080" = 8 %). */
  commissionRate: z.string().regex(/^0\.\d{3}$/),
  maxActiveListings: z.number().int().positive(),
  /** Days from delivery to payout. */
  payoutDays: z.number().int().nonnegative(),
  featuredListings: z.boolean(),
});
export type TierBenefits = z.infer<typeof tierBenefits>;

export const OrderStatus = {
  Pending: 'PENDING',
  Paid: 'PAID',
  Shipped: 'SHIPPED',
  Delivered: 'DELIVERED',
  Cancelled: 'CANCELLED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];
export const orderStatus = z.enum(OrderStatus);

export const orderSummary = z.object({
  orderId: uuid,
  listingId: uuid,
  listingTitle: z.string(),
  sellerId: uuid,
  buyerId: uuid,
  quantity: z.number().int().positive(),
  amount: money,
  currency,
  status: orderStatus,
  /** What the buyer pays the provider against; the order stays PENDING (awaiting payment) until the provider confirms. */
  paymentReference: z.string(),
  /** The provider's reference for the captured payment, once it confirmed. */
  transactionReference: z.string().nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type OrderSummary = z.infer<typeof orderSummary>;

export const orderStatusChanged = z.object({
  orderId: uuid,
  sellerId: uuid,
  buyerId: uuid,
  from: orderStatus,
  to: orderStatus,
  /** The provider's reference once the payment was confirmed (null before). */
  transactionReference: z.string().nullable(),
  changedAt: isoDateTime,
});

export const sellerPaymentReceived = z.object({
  orderId: uuid,
  sellerId: uuid,
  buyerId: uuid,
  amount: money,
  currency,
  /** The payment provider's reference for the captured payment (the seller design's transaction hash). */
  transactionReference: z.string(),
  paidAt: isoDateTime,
});

export const sellerTierUpgraded = z.object({
  sellerId: uuid,
  previousTier: sellerTier,
  tier: sellerTier,
  benefits: tierBenefits,
  /** Delivered sales so far, in the seller's currency. */
  completedSalesVolume: money,
  currency,
  upgradedAt: isoDateTime,
});

export const sellerReviewReceived = z.object({
  reviewId: uuid,
  orderId: uuid,
  sellerId: uuid,
  buyerId: uuid,
  rating: z.number().int().min(1).max(5),
  comment: z.string().nullable(),
  createdAt: isoDateTime,
});

export const sellerAnalytics = z.object({
  sellerId: uuid,
  /** The UTC day the figures are for (YYYY-MM-DD). */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  ordersToday: z.number().int().nonnegative(),
  /** Paid, shipped and delivered orders placed today. */
  revenueToday: money,
  currency,
  /** Over all reviews, two decimals; null before the first review. */
  averageRating: z
    .string()
    .regex(/^\d\.\d{2}$/)
    .nullable(),
  reviewCount: z.number().int().nonnegative(),
  computedAt: isoDateTime,
});
export type SellerAnalytics = z.infer<typeof sellerAnalytics>;

/** One UTC day of a seller's figures (`GET /sellers/me/analytics`). */
export const sellerDay = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Orders placed that day, cancelled ones excepted. */
  orders: z.number().int().nonnegative(),
  /** Paid, shipped and delivered orders placed that day. */
  revenue: money,
  /** Of the reviews written that day; null when none. */
  averageRating: z
    .string()
    .regex(/^\d\.\d{2}$/)
    .nullable(),
});
export type SellerDay = z.infer<typeof sellerDay>;

/** The seller's last `days` UTC days, oldest first, today last. */
export const sellerHistory = z.object({ sellerId: uuid, currency, days: z.array(sellerDay) });
export type SellerHistory = z.infer<typeof sellerHistory>;

/** A buyer's review of a delivered order, as the seller's public page lists it (`GET /sellers/:id/reviews`). */
export const sellerReview = z.object({
  reviewId: uuid,
  orderId: uuid,
  rating: z.number().int().min(1).max(5),
  comment: z.string().nullable(),
  createdAt: isoDateTime,
});
export type SellerReview = z.infer<typeof sellerReview>;

export const ListingStatus = { Active: 'ACTIVE', Sold: 'SOLD', Cancelled: 'CANCELLED' } as const;
export type ListingStatus = (typeof ListingStatus)[keyof typeof ListingStatus];

export const listingSummary = z.object({
  listingId: uuid,
  sellerId: uuid,
  sellerName: z.string(),
  sellerTier,
  title: z.string(),
  price: money,
  currency,
  /** Units still available. */
  quantity: z.number().int().nonnegative(),
  status: z.enum(ListingStatus),
  updatedAt: isoDateTime,
});
export type ListingSummary = z.infer<typeof listingSummary>;

// ── Subscriptions (topic rooms a socket opts into: one escrow, the marketplace) ──────────────────────────────────────────
export const Topic = { Escrow: 'escrow', Marketplace: 'marketplace' } as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

/** What a socket can subscribe to beyond its own rooms; also sent in `auth.subscriptions` to keep them across reconnects. */
export const subscription = z.discriminatedUnion('topic', [
  z.object({ topic: z.literal(Topic.Escrow), escrowId: uuid }).strict(),
  z.object({ topic: z.literal(Topic.Marketplace) }).strict(),
]);
export type Subscription = z.infer<typeof subscription>;

/** Most subscriptions one socket may hold (and send in its handshake). */
export const MAX_SUBSCRIPTIONS = 50;

export const subscriptionRefusal = z.object({ subscription, code: z.string(), message: z.string() });

export const connected = z.object({
  userId: uuid,
  organizationId: uuid,
  role: z.enum(['OWNER', 'ADMIN', 'MEMBER']),
  socketId: z.string(),
  /** Resume from here if no event arrives before the next disconnect. */
  cursor,
  /** When the access token this socket runs on expires; refresh in-band with `auth.refresh` before it. */
  expiresAt: isoDateTime,
  /** The handshake's `auth.subscriptions`: those now held (and replayed on resume), and those refused. */
  subscriptions: z.object({ granted: z.array(subscription), refused: z.array(subscriptionRefusal) }),
});

export const resumed = z.object({
  /** The last cursor replayed (or the one resumed from, if nothing was missed). */
  cursor,
  replayed: z.number().int().nonnegative(),
});

export const ResetReason = {
  Pruned: 'cursor_pruned',
  TooFarBehind: 'too_far_behind',
  Invalid: 'invalid_cursor',
} as const;
export type ResetReason = (typeof ResetReason)[keyof typeof ResetReason];

export const reset = z.object({
  /** Refetch state over HTTP, then continue from this cursor. */
  cursor,
  reason: z.enum(ResetReason),
});

export const shuttingDown = z.object({
  /** This server is going away; reconnecting (with the last cursor) reaches another or the restarted one. */
  reconnect: z.literal(true),
});

export const protocolError = z.object({
  code: z.string(),
  message: z.string(),
});
