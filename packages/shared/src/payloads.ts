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

export const connected = z.object({
  userId: uuid,
  organizationId: uuid,
  role: z.enum(['OWNER', 'ADMIN', 'MEMBER']),
  socketId: z.string(),
});

export const protocolError = z.object({
  code: z.string(),
  message: z.string(),
});
