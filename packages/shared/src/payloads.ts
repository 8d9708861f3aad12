import { z } from 'zod';

// Wire formats: ids are UUID strings, timestamps ISO-8601 strings, money a decimal string plus currency.
export const isoDateTime = z.iso.datetime({ offset: true });
export const money = z.string().regex(/^-?\d+\.\d{2}$/, 'a decimal string with two places, e.g. "1250.00"');
export const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code, e.g. "EUR"');
export const uuid = z.uuid();

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

export const invoicePaid = z.object({
  invoiceId: uuid,
  invoiceNumber: z.string(),
  total: money,
  currency,
  paidAt: isoDateTime,
  paidById: uuid,
});

export const invoiceOverdue = z.object({
  invoiceId: uuid,
  invoiceNumber: z.string(),
  total: money,
  currency,
  dueAt: isoDateTime,
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

/** A position in the event stream; every delivered event carries one, in increasing order. */
export const cursor = z.number().int().nonnegative();

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
  price: tokens,
  newBalance: tokens,
  purchasedAt: isoDateTime,
});

export const personalPurchase = z.object({
  purchaseId: uuid,
  itemId: uuid,
  itemType: z.enum(ShopItemType),
  price: tokens,
  newBalance: tokens,
  purchasedAt: isoDateTime,
});

export const connected = z.object({
  userId: uuid,
  organizationId: uuid,
  role: z.enum(['OWNER', 'ADMIN', 'MEMBER']),
  socketId: z.string(),
  /** Resume from here if no event arrives before the next disconnect. */
  cursor,
  /** When the access token this socket runs on expires; refresh in-band with `auth.refresh` before it. */
  expiresAt: isoDateTime,
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
