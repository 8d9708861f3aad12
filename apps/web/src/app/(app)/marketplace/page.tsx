'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ListingStatus, OrderStatus, type ListingSummary, type OrderSummary, type Page } from '@operate/shared';
import { useState } from 'react';
import { ErrorText, Money, OrderStatusBadge, QueryView, Section, StatusBadge } from '@/components/ui';
import { useApi } from '@/lib/hooks';
import { queryKeys } from '@/lib/query-keys';
import { useSession } from '@/lib/use-session';
import { useMarketplace } from '@/realtime/hooks';

export default function MarketplacePage() {
  const api = useApi();
  const session = useSession();
  const queryClient = useQueryClient();
  // Listing events arrive while this page is open (the marketplace room is joined, and re-joined after reconnects).
  useMarketplace();
  const listings = useQuery({
    queryKey: [...queryKeys.listings, 'all'],
    queryFn: () => api.get<Page<ListingSummary>>('/marketplace/listings?pageSize=50'),
  });
  const orders = useQuery({
    queryKey: [...queryKeys.orders, 'buyer'],
    queryFn: () => api.get<Page<OrderSummary>>('/orders?as=buyer&pageSize=20'),
  });
  const [ratings, setRatings] = useState<Record<string, string>>({});
  const invalidate = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.orders }),
      queryClient.invalidateQueries({ queryKey: queryKeys.listings }),
    ]);
  const order = useMutation({ mutationFn: (listingId: string) => api.post('/orders', { listingId, quantity: 1 }), onSettled: invalidate });
  const act = useMutation({
    mutationFn: ({ orderId, action, body }: { orderId: string; action: 'cancel' | 'review'; body?: unknown }) =>
      api.post(`/orders/${orderId}/${action}`, body),
    onSettled: invalidate,
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
