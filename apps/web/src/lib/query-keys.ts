// The keys live beside the catalog's cache rules (@operate/shared/cache), which patch the queries they name.
export {
  queryKeys,
  type EscrowListParams,
  type InvoiceListParams,
  type ListingListParams,
  type OrderListParams,
} from '@operate/shared/cache';
