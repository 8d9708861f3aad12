'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  OrderEvent,
  OrderStatus,
  SellerEvent,
  type ListingSummary,
  type OrderSummary,
  type OwnSellerView,
  type Page,
  type SellerHistory,
  type SellerReview,
} from '@operate/shared';
import { useState, type FormEvent } from 'react';
import { MetricsChart, withLiveToday } from '@/components/MetricsChart';
import { ApiError } from '@/lib/api';
import { ErrorText, Money, OrderStatusBadge, QueryView, Section, StatusBadge, formatTime } from '@/components/ui';
import { useApi, useCacheWrite } from '@/lib/hooks';
import { cacheWrites } from '@operate/shared/cache';
import { queryKeys } from '@/lib/query-keys';
import { useSellerRealTime } from '@/realtime/hooks';

function BecomeSeller() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ displayName: '', currency: 'EUR' });
  const create = useMutation({
    mutationFn: () => api.post('/sellers', form),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.seller }),
  });
  return (
    <Section title="Become a seller">
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <label>
          Shop name
          <input required value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
        </label>
        <label>
          Currency
          <input
            required
            maxLength={3}
            value={form.currency}
            onChange={(e) => setForm({ ...form, currency: e.target.value.toUpperCase() })}
          />
        </label>
        <button type="submit" disabled={create.isPending}>
          Start selling
        </button>
      </form>
      <ErrorText error={create.error} />
    </Section>
  );
}

function Dashboard({ me }: { me: OwnSellerView }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const write = useCacheWrite();
  const realtime = useSellerRealTime();
  const analytics = realtime.analytics ?? me.analytics;
  const orders = useQuery({
    queryKey: queryKeys.orderList({ as: 'seller', viewerId: me.sellerId, page: 1, pageSize: 20 }),
    queryFn: () => api.get<Page<OrderSummary>>('/orders?as=seller&page=1&pageSize=20'),
  });
  const listings = useQuery({
    queryKey: queryKeys.listingList({ sellerId: me.sellerId, page: 1, pageSize: 50 }),
    queryFn: () => api.get<Page<ListingSummary>>(`/marketplace/listings?sellerId=${me.sellerId}&page=1&pageSize=50`),
  });
  const [listing, setListing] = useState({ title: '', price: '', quantity: '1' });
  const createListing = useMutation({
    mutationFn: () =>
      api.post<ListingSummary>('/marketplace/listings', { title: listing.title, price: listing.price, quantity: Number(listing.quantity) }),
    onSuccess: (created) => {
      setListing({ title: '', price: '', quantity: '1' });
      write((cache) => cacheWrites.listing(cache, created, 'created'));
    },
  });
  const move = useMutation({
    mutationFn: ({ orderId, action }: { orderId: string; action: 'ship' | 'deliver' | 'cancel' }) =>
      api.post<OrderSummary>(`/orders/${orderId}/${action}`),
    onSuccess: (order) => write((cache) => cacheWrites.order(cache, order)),
    onError: () => queryClient.invalidateQueries({ queryKey: queryKeys.orders }),
  });
  const history = useQuery({
    queryKey: queryKeys.sellerHistory,
    queryFn: () => api.get<SellerHistory>('/sellers/me/analytics?days=30'),
  });
  const reviews = useQuery({
    queryKey: queryKeys.sellerReviews(me.sellerId),
    queryFn: () => api.get<Page<SellerReview>>(`/sellers/${me.sellerId}/reviews?pageSize=10`),
  });
  const payments = realtime.feed.filter((envelope) => envelope.type === SellerEvent.PaymentReceived);

  function submitListing(event: FormEvent) {
    event.preventDefault();
    createListing.mutate();
  }

  return (
    <>
      <div className="stats">
        <div className="stat card" data-testid="seller-tier">
          <span className="muted small">Tier</span>
          <strong>{me.tier}</strong>
          <span className="muted small">
            {(Number(me.benefits.commissionRate) * 100).toFixed(1)}% commission · {me.benefits.maxActiveListings} listings
          </span>
          {me.nextTier ? (
            <span className="muted small">
              {me.completedSalesVolume} / {me.nextTier.from} {me.currency} to {me.nextTier.tier}
            </span>
          ) : null}
        </div>
        <div className="stat card" data-testid="seller-orders-today">
          <span className="muted small">Orders today</span>
          <strong>{analytics.ordersToday}</strong>
        </div>
        <div className="stat card">
          <span className="muted small">Revenue today</span>
          <strong>
            <Money amount={analytics.revenueToday} currency={analytics.currency} />
          </strong>
        </div>
        <div className="stat card">
          <span className="muted small">Rating</span>
          <strong>{analytics.averageRating ?? '—'}</strong>
          <span className="muted small">{analytics.reviewCount} reviews</span>
        </div>
      </div>
      <Section title="Revenue, last 30 days">
        <QueryView query={history} empty="" isEmpty={() => false}>
          {(data) => <MetricsChart days={withLiveToday(data.days, realtime.analytics)} currency={data.currency} />}
        </QueryView>
      </Section>
      <Section title="Orders">
        <ErrorText error={move.error} />
        <QueryView query={orders} empty="No orders yet." isEmpty={(page) => page.items.length === 0}>
          {(page) => (
            <table className="table">
              <thead>
                <tr>
                  <th>Listing</th>
                  <th>Qty</th>
                  <th className="num">Amount</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {page.items.map((order) => (
                  <tr key={order.orderId}>
                    <td data-label="Listing">{order.listingTitle}</td>
                    <td data-label="Qty">{order.quantity}</td>
                    <td data-label="Amount" className="num">
                      <Money amount={order.amount} currency={order.currency} />
                    </td>
                    <td data-label="Status">
                      <OrderStatusBadge status={order.status} />
                    </td>
                    <td className="actions">
                      {order.status === OrderStatus.Paid ? (
                        <button type="button" onClick={() => move.mutate({ orderId: order.orderId, action: 'ship' })}>
                          Ship
                        </button>
                      ) : null}
                      {order.status === OrderStatus.Shipped ? (
                        <button type="button" onClick={() => move.mutate({ orderId: order.orderId, action: 'deliver' })}>
                          Delivered
                        </button>
                      ) : null}
                      {order.status === OrderStatus.Pending ? (
                        <button
                          type="button"
                          className="secondary"
                          onClick={() => move.mutate({ orderId: order.orderId, action: 'cancel' })}
                        >
                          Cancel
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
      </Section>
      <div className="two-columns">
        <Section title="Payments (live)">
          {payments.length === 0 ? <p className="empty">Payments appear here as buyers pay.</p> : null}
          <ul className="feed">
            {payments.map((envelope) =>
              envelope.type === SellerEvent.PaymentReceived ? (
                <li key={envelope.id}>
                  <time className="muted small">{formatTime(envelope.occurredAt)}</time>{' '}
                  <Money amount={envelope.payload.amount} currency={envelope.payload.currency} />
                </li>
              ) : null,
            )}
          </ul>
        </Section>
        <Section title="Reviews">
          <QueryView query={reviews} empty="No reviews yet." isEmpty={(page) => page.items.length === 0}>
            {(page) => (
              <ul className="feed" data-testid="seller-reviews">
                {page.items.map((review) => (
                  <li key={review.reviewId}>
                    <span aria-label={`${review.rating} of 5`}>{'★'.repeat(review.rating)}</span> {review.comment ?? ''}{' '}
                    <time className="muted small">{formatTime(review.createdAt)}</time>
                  </li>
                ))}
                {page.total > page.items.length ? <li className="muted small">and {page.total - page.items.length} more</li> : null}
              </ul>
            )}
          </QueryView>
        </Section>
      </div>
      <Section title="My listings">
        <form className="inline-form" onSubmit={submitListing} aria-label="New listing">
          <label className="grow">
            Title
            <input required value={listing.title} onChange={(e) => setListing({ ...listing, title: e.target.value })} />
          </label>
          <label>
            Price
            <input required inputMode="decimal" value={listing.price} onChange={(e) => setListing({ ...listing, price: e.target.value })} />
          </label>
          <label>
            Quantity
            <input
              required
              type="number"
              min={1}
              value={listing.quantity}
              onChange={(e) => setListing({ ...listing, quantity: e.target.value })}
            />
          </label>
          <button type="submit" disabled={createListing.isPending}>
            List
          </button>
        </form>
        <ErrorText error={createListing.error} />
        <QueryView query={listings} empty="Nothing listed yet." isEmpty={(page) => page.items.length === 0}>
          {(page) => (
            <ul className="list">
              {page.items.map((item) => (
                <li key={item.listingId} className="list-row">
                  <span className="grow">{item.title}</span>
                  <Money amount={item.price} currency={item.currency} />
                  <span className="muted small">{item.quantity} left</span>
                  <StatusBadge status={item.status} />
                </li>
              ))}
            </ul>
          )}
        </QueryView>
      </Section>
      <p className="muted small">
        Order updates: {realtime.feed.filter((envelope) => envelope.type === OrderEvent.StatusChanged).length} this session.
      </p>
    </>
  );
}

export default function SellerPage() {
  const api = useApi();
  const me = useQuery({
    queryKey: queryKeys.ownSeller,
    queryFn: async () => {
      try {
        return await api.get<OwnSellerView>('/sellers/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
  return (
    <div className="page">
      <h1>Seller</h1>
      <QueryView query={me} empty="" isEmpty={() => false}>
        {(data) => (data ? <Dashboard me={data} /> : <BecomeSeller />)}
      </QueryView>
    </div>
  );
}
