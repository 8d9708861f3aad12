import type { ListingSummary, OrderSummary } from '@operate/shared';
import { formatMoney } from '../../common/money.js';
import type { Listing, Order, SellerProfile } from '../../generated/prisma/client.js';

export type ListingWithSeller = Listing & { seller: Pick<SellerProfile, 'displayName' | 'tier'> };

/** Include this to build a ListingSummary. */
export const withSeller = { seller: { select: { displayName: true, tier: true } } } as const;

export function toListingSummary(listing: ListingWithSeller): ListingSummary {
  return {
    listingId: listing.id,
    sellerId: listing.sellerId,
    sellerName: listing.seller.displayName,
    sellerTier: listing.seller.tier,
    title: listing.title,
    price: formatMoney(listing.price),
    currency: listing.currency,
    quantity: listing.quantity,
    status: listing.status,
    updatedAt: listing.updatedAt.toISOString(),
  };
}

export function toOrderSummary(order: Order & { listing: Pick<Listing, 'title'> }): OrderSummary {
  return {
    orderId: order.id,
    listingId: order.listingId,
    listingTitle: order.listing.title,
    sellerId: order.sellerId,
    buyerId: order.buyerId,
    quantity: order.quantity,
    amount: formatMoney(order.amount),
    currency: order.currency,
    status: order.status,
    paymentReference: order.paymentReference,
    transactionReference: order.transactionReference,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
