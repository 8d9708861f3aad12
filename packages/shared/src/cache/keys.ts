import type { EscrowStatus, InvoiceStatus, OrderStatus } from '../payloads.js';

/** What every cached page of a list names: which page, how many a page. Lists sort newest first. */
export interface PageParams {
  readonly page: number;
  readonly pageSize: number;
}

/** `GET /invoices`: the organization's invoices, optionally one status. */
export interface InvoiceListParams extends PageParams {
  readonly status?: InvoiceStatus;
}

/** `GET /escrows`: the viewer's escrows (as buyer or seller), optionally one status. */
export interface EscrowListParams extends PageParams {
  readonly status?: EscrowStatus;
}

/** `GET /orders?as=`: the viewer's orders as buyer or as seller (the viewer's id is in the key: events name both parties). */
export interface OrderListParams extends PageParams {
  readonly as: 'buyer' | 'seller';
  readonly viewerId: string;
  readonly status?: OrderStatus;
}

/** `GET /marketplace/listings`: active listings, optionally one seller's. */
export interface ListingListParams extends PageParams {
  readonly sellerId?: string;
}

/**
 * Every TanStack Query key the dashboard uses. A list's key names its parameters, so an event can tell whether
 * (and where) its entity belongs to a cached page; a prefix (`queryKeys.invoices`) covers all of a kind.
 */
export const queryKeys = {
  invoices: ['invoices'] as const,
  invoiceLists: ['invoices', 'list'] as const,
  invoiceList: (params: InvoiceListParams) => ['invoices', 'list', params] as const,
  escrows: ['escrows'] as const,
  escrowLists: ['escrows', 'list'] as const,
  escrowList: (params: EscrowListParams) => ['escrows', 'list', params] as const,
  escrow: (escrowId: string) => ['escrows', 'detail', escrowId] as const,
  escrowHistory: (escrowId: string) => ['escrows', 'detail', escrowId, 'history'] as const,
  orders: ['orders'] as const,
  orderLists: ['orders', 'list'] as const,
  orderList: (params: OrderListParams) => ['orders', 'list', params] as const,
  listings: ['listings'] as const,
  listingLists: ['listings', 'list'] as const,
  listingList: (params: ListingListParams) => ['listings', 'list', params] as const,
  notifications: ['notifications'] as const,
  /** The bell's list: the first `pageSize`, unread first. */
  notificationList: (pageSize: number) => ['notifications', 'list', pageSize] as const,
  shopItems: ['shop-items'] as const,
  families: ['families'] as const,
  wallet: ['wallet'] as const,
  seller: ['seller'] as const,
  ownSeller: ['seller', 'me'] as const,
  sellerHistory: ['seller', 'history'] as const,
  sellerReviews: (sellerId: string) => ['seller', 'reviews', sellerId] as const,
  presence: ['presence'] as const,
  users: ['users'] as const,
  sessions: ['sessions'] as const,
  counterparties: ['counterparties'] as const,
};
