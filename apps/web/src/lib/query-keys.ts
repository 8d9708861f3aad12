/** What one cached invoice list shows: newest first, `pageSize` a page, optionally one status. */
export interface InvoiceListParams {
  readonly page: number;
  readonly pageSize: number;
  readonly status?: string;
}

/** Every TanStack Query key the dashboard uses; events invalidate by these (a prefix covers its details). */
export const queryKeys = {
  invoices: ['invoices'] as const,
  /** One page of the invoice list: the key says which, so an event can tell whether (and where) it belongs. */
  invoiceList: (params: InvoiceListParams) => ['invoices', 'list', params] as const,
  notifications: ['notifications'] as const,
  shopItems: ['shop-items'] as const,
  families: ['families'] as const,
  wallet: ['wallet'] as const,
  escrows: ['escrows'] as const,
  escrow: (escrowId: string) => ['escrows', escrowId] as const,
  seller: ['seller'] as const,
  orders: ['orders'] as const,
  listings: ['listings'] as const,
  presence: ['presence'] as const,
  users: ['users'] as const,
  sessions: ['sessions'] as const,
  counterparties: ['counterparties'] as const,
};
