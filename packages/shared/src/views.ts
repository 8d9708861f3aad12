import type { NotificationCreated, SellerAnalytics, SellerTier, TierBenefits } from './payloads.js';

// HTTP response shapes the API returns and the dashboard reads, declared once for both.

/** One page of a list: `{ items, page, pageSize, total }`, the shape of every paginated response. */
export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

/** Who in the caller's organization is online now (`GET /presence`), across every API node. */
export interface PresenceView {
  /** One entry per person, however many tabs and devices: `connections` counts their sockets. */
  readonly online: { readonly userId: string; readonly connections: number }[];
}

/** A seller's public profile (`GET /sellers/:id`). */
export interface SellerView {
  readonly sellerId: string;
  readonly displayName: string;
  readonly currency: string;
  readonly tier: SellerTier;
  readonly benefits: TierBenefits;
  readonly completedSales: number;
  readonly completedSalesVolume: string;
  /** The next tier and the volume it starts at; null at the top. */
  readonly nextTier: { readonly tier: SellerTier; readonly from: string } | null;
}

/** The caller's own seller profile with today's figures (`GET /sellers/me`). */
export type OwnSellerView = SellerView & { readonly analytics: SellerAnalytics };

/** One notification as the bell lists it: the event's fields and when the caller read it. */
export type NotificationView = NotificationCreated & { readonly readAt: string | null };

/** `GET /notifications`: unread first, then newest first, and how many are unread. */
export interface NotificationPage extends Page<NotificationView> {
  readonly unread: number;
}
