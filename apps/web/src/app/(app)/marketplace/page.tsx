'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ListingStatus, OrderStatus, type ListingSummary, type OrderSummary, type Page } from '@operate/shared';
import { useState } from 'react';
import { ErrorText, Money, OrderStatusBadge, QueryView, Section, StatusBadge } from '@/components/ui';
import { useApi, useCacheWrite } from '@/lib/hooks';
import { cacheWrites } from '@operate/shared/cache';
import { queryKeys } from '@/lib/query-keys';
import { useSession } from '@/lib/use-session';
import { useMarketplace } from '@/realtime/hooks';

export default function MarketplacePage() {
  const api = useApi();
  const session = useSession();
  const queryClient = useQueryClient();
  const write = useCacheWrite();
  // Listing events arrive while this page is open (the marketplace room is joined, and re-joined after reconnects).
  useMarketplace();
  const listings = useQuery({
    queryKey: queryKeys.listingList({ page: 1, pageSize: 50 }),
    queryFn: () => api.get<Page<ListingSummary>>('/marketplace/listings?page=1&pageSize=50'),
  });
  const orders = useQuery({
    queryKey: queryKeys.orderList({ as: 'buyer', viewerId: session?.user.id ?? '', page: 1, pageSize: 20 }),
    queryFn: () => api.get<Page<OrderSummary>>('/orders?as=buyer&page=1&pageSize=20'),
    enabled: session !== null,
  });
  const [ratings, setRatings] = useState<Record<string, string>>({});
  // A refused order or action: show what the listings and orders are now.
  const invalidate = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.orders }),
      queryClient.invalidateQueries({ queryKey: queryKeys.listings }),
    ]);
  // The listing's new stock arrives as marketplace.listing_updated; the order is written from the response.
  const order = useMutation({
    mutationFn: (listingId: string) => api.post<OrderSummary>('/orders', { listingId, quantity: 1 }),
    onSuccess: (placed) => write((cache) => cacheWrites.order(cache, placed, 'created')),
    onError: invalidate,
  });
  const act = useMutation({
    mutationFn: ({ orderId, action, body }: { orderId: string; action: 'cancel' | 'review'; body?: unknown }) =>
      // A cancel answers with the order; a review changes nothing the page lists.
      action === 'cancel'
        ? api.post<OrderSummary>(`/orders/${orderId}/cancel`)
        : api.post(`/orders/${orderId}/review`, body).then(() => null),
    onSuccess: (cancelled) => {
      if (cancelled) write((cache) => cacheWrites.order(cache, cancelled));
    },
    onError: invalidate,
  });

  return (
    <div className="page">
      <h1>Marketplace</h1>
      <Section title="Listings">
        <ErrorText error={order.error} />
        <QueryView query={listings} empty="Nothing for sale right now." isEmpty={(page) => page.items.length === 0}>
          {(page) => (
            <ul className="grid" data-testid="listings">
              {page.items.map((listing) => (
                <li key={listing.listingId} className="tile" data-testid="listing" data-title={listing.title}>
                  <strong>{listing.title}</strong>
                  <span className="muted small">
                    {listing.sellerName} · {listing.sellerTier.toLowerCase()}
                  </span>
                  <Money amount={listing.price} currency={listing.currency} />
                  <span className="muted small">{listing.quantity} left</span>
                  {listing.status === ListingStatus.Active && listing.sellerId !== session?.user.id ? (
                    <button type="button" disabled={order.isPending} onClick={() => order.mutate(listing.listingId)}>
                      Buy one
                    </button>
                  ) : (
                    <StatusBadge status={listing.sellerId === session?.user.id ? 'yours' : listing.status} />
                  )}
                </li>
              ))}
            </ul>
          )}
        </QueryView>
      </Section>
      <Section title="My orders">
        <ErrorText error={act.error} />
        <QueryView query={orders} empty="You have not ordered anything yet." isEmpty={(page) => page.items.length === 0}>
          {(page) => (
            <ul className="list">
              {page.items.map((item) => (
                <li
                  key={item.orderId}
                  className="list-row"
                  data-testid="order-row"
                  data-title={item.listingTitle}
                  data-status={item.status}
                  data-reference={item.paymentReference}
                  data-amount={item.amount}
                  data-currency={item.currency}
                >
                  <span className="grow">
                    {item.quantity} × {item.listingTitle}
                  </span>
                  <Money amount={item.amount} currency={item.currency} />
                  <OrderStatusBadge status={item.status} />
                  {item.status === OrderStatus.Pending ? (
                    <>
                      <span
                        className="muted small"
                        title="Pay the payment provider against this reference; the order turns paid when it confirms"
                      >
                        pay against <code>{item.paymentReference}</code>
                      </span>
                      <button type="button" className="secondary" onClick={() => act.mutate({ orderId: item.orderId, action: 'cancel' })}>
                        Cancel
                      </button>
                    </>
                  ) : null}
                  {item.status === OrderStatus.Delivered ? (
                    <span className="inline-form">
                      <select
                        aria-label="Rating"
                        value={ratings[item.orderId] ?? '5'}
                        onChange={(e) => setRatings({ ...ratings, [item.orderId]: e.target.value })}
                      >
                        {[5, 4, 3, 2, 1].map((stars) => (
                          <option key={stars} value={stars}>
                            {stars} ★
                          </option>
                        ))}
                      </select>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() =>
                          act.mutate({ orderId: item.orderId, action: 'review', body: { rating: Number(ratings[item.orderId] ?? '5') } })
                        }
                      >
                        Review
                      </button>
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </QueryView>
      </Section>
    </div>
  );
}
