'use client';

import {
  EscrowEvent,
  ListingStatus,
  MarketplaceEvent,
  NotificationEvent,
  OrderEvent,
  SellerEvent,
  FamilyEvent,
  Topic,
  type ListingSummary,
  type OrderSummary,
  type EnvelopeOf,
  type EventEnvelope,
  type EventName,
  type EventPayload,
  type SellerAnalytics,
} from '@operate/shared';
import type { RealtimeClient, RealtimeStatus } from '@operate/shared/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useRealtimeClient, useRealtimeStatus } from './RealtimeProvider';

type Handler<E extends EventName> = (payload: EventPayload<E>, envelope: EventEnvelope<E>) => void;

export interface UseWebSocket {
  /** True when Live: connected, caught up, heartbeat answered. */
  readonly connected: boolean;
  readonly status: RealtimeStatus;
  /** Typed subscribe; returns the unsubscribe (call it in your effect's cleanup). */
  readonly subscribe: RealtimeClient['subscribe'];
}

const inert = () => () => undefined;

export function useWebSocket(): UseWebSocket {
  const client = useRealtimeClient();
  const status = useRealtimeStatus();
  const subscribe = useCallback<RealtimeClient['subscribe']>(
    (event, handler) => (client ? client.subscribe(event, handler) : inert()),
    [client],
  );
  return { connected: status === 'live', status, subscribe };
}

/** Keeps the latest handler without resubscribing: a handler reading props or state never sees stale values. */
function useLatest<T>(value: T) {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  });
  return ref;
}

/** Calls `handler` for each `event` while the component is mounted (one subscription, whatever re-renders). */
export function useEvent<E extends EventName>(event: E, handler: Handler<E>): void {
  const client = useRealtimeClient();
  const latest = useLatest(handler);
  useEffect(() => client?.subscribe(event, (payload, envelope) => latest.current(payload, envelope)), [client, event, latest]);
}

/** Several events with one handler (each call still typed by its event). */
function useEvents<E extends EventName>(events: readonly E[], handler: (envelope: EnvelopeOf<E>) => void): void {
  const client = useRealtimeClient();
  const latest = useLatest(handler);
  const key = events.join('|');
  useEffect(() => {
    if (!client) return;
    const offs = key.split('|').map((event) => client.subscribe(event as E, (_payload, envelope) => latest.current(envelope)));
    return () => offs.forEach((off) => off());
  }, [client, key, latest]);
}

export const escrowEvents = Object.values(EscrowEvent);
export type EscrowEventName = (typeof escrowEvents)[number];

/**
 * Holds a subscription to one escrow (re-joined after every reconnect) and calls `handler` with each of its
 * events. `onSubscribed` runs once the server granted it (refetch the escrow then).
 */
export function useEscrowUpdates(
  escrowId: string | undefined,
  handler: (envelope: EnvelopeOf<EscrowEventName>) => void,
  onSubscribed?: () => void,
): void {
  const client = useRealtimeClient();
  const granted = useLatest(onSubscribed);
  useEffect(() => {
    if (!client || !escrowId) return;
    return client.hold({ topic: Topic.Escrow, escrowId }, () => granted.current?.());
  }, [client, escrowId, granted]);
  useEvents(escrowEvents, (envelope) => {
    if (escrowId && envelope.payload.escrowId === escrowId) handler(envelope);
  });
}

/** Joins the marketplace room while mounted. */
export function useMarketplace(): void {
  const client = useRealtimeClient();
  useEffect(() => client?.hold({ topic: Topic.Marketplace }), [client]);
}

const marketplaceEvents = Object.values(MarketplaceEvent);
const SALES_LIMIT = 50;

export interface MarketplaceLive {
  /** Active listings: `initial` (e.g. the first page fetched) kept up to date by the events, newest first. */
  readonly listings: readonly ListingSummary[];
  /** Listings that sold out while mounted, newest first. */
  readonly sales: readonly ListingSummary[];
}

/**
 * Holds the marketplace room and keeps its listings live: a new listing is added, a change replaces it, a
 * withdrawn or sold-out one leaves `listings` (sold ones go to `sales`).
 *
 * ```tsx
 * const { listings, sales } = useMarketplaceEvents(firstPage?.items);
 * ```
 */
export function useMarketplaceEvents(initial?: readonly ListingSummary[]): MarketplaceLive {
  useMarketplace();
  const [state, setState] = useState<MarketplaceLive>({ listings: initial ?? [], sales: [] });
  useEffect(() => {
    if (initial) setState((previous) => ({ ...previous, listings: initial }));
  }, [initial]);
  useEvents(marketplaceEvents, (envelope) => {
    const listing = envelope.payload;
    setState((previous) => {
      const others = previous.listings.filter((item) => item.listingId !== listing.listingId);
      switch (envelope.type) {
        case MarketplaceEvent.ListingCreated:
          return { ...previous, listings: [listing, ...others] };
        case MarketplaceEvent.ListingUpdated:
          return listing.status === ListingStatus.Active
            ? {
                ...previous,
                listings: previous.listings.some((item) => item.listingId === listing.listingId)
                  ? previous.listings.map((item) => (item.listingId === listing.listingId ? listing : item))
                  : [listing, ...others],
              }
            : { ...previous, listings: others };
        case MarketplaceEvent.ListingCancelled:
          return { ...previous, listings: others };
        case MarketplaceEvent.ListingSold:
          return { listings: others, sales: [listing, ...previous.sales].slice(0, SALES_LIMIT) };
      }
    });
  });
  return state;
}

const sellerEvents = [...Object.values(SellerEvent), OrderEvent.StatusChanged, NotificationEvent.Created];
type SellerFeedEvent = (typeof sellerEvents)[number];
const FEED_LIMIT = 50;
const METRICS_LIMIT = 60;
const ORDERS_LIMIT = 50;

export interface SellerRealTimeCallbacks {
  /** A buyer placed an order (`seller.order_created`). */
  readonly onNewOrder?: (order: OrderSummary) => void;
  /** The provider confirmed a buyer's payment (`seller.payment_received`). */
  readonly onPaymentReceived?: (payment: EventPayload<typeof SellerEvent.PaymentReceived>) => void;
  /** The seller reached a new tier (`seller.tier_upgraded`). */
  readonly onTierUpgrade?: (upgrade: EventPayload<typeof SellerEvent.TierUpgraded>) => void;
  /** A buyer reviewed a delivered order (`seller.review_received`). */
  readonly onReview?: (review: EventPayload<typeof SellerEvent.ReviewReceived>) => void;
}

export interface SellerRealTime {
  /** The latest figures pushed by the server (null until the first `seller.analytics_updated`). */
  readonly analytics: SellerAnalytics | null;
  /** Figures over time, oldest first (for the chart). */
  readonly history: readonly SellerAnalytics[];
  /** The seller's recent events, newest first. */
  readonly feed: readonly EnvelopeOf<SellerFeedEvent>[];
  /** Orders placed while mounted, newest first, their status kept current by `order.status_changed`. */
  readonly orders: readonly OrderSummary[];
  /** Notifications that arrived while mounted, newest first. */
  readonly notifications: readonly EventPayload<typeof NotificationEvent.Created>[];
}

/**
 * A seller's live view: figures, recent orders and notifications, and callbacks for what a seller acts on.
 *
 * ```tsx
 * const { analytics, orders } = useSellerRealTime({
 *   onNewOrder: (order) => toast(`New order: ${order.listingTitle}`),
 *   onPaymentReceived: (payment) => toast(`Paid: ${payment.amount} ${payment.currency}`),
 * });
 * ```
 */
export function useSellerRealTime(callbacks: SellerRealTimeCallbacks = {}): SellerRealTime {
  const latest = useLatest(callbacks);
  const [state, setState] = useState<SellerRealTime>({ analytics: null, history: [], feed: [], orders: [], notifications: [] });
  useEvents(sellerEvents, (envelope) => {
    switch (envelope.type) {
      case SellerEvent.OrderCreated:
        latest.current.onNewOrder?.(envelope.payload);
        break;
      case SellerEvent.PaymentReceived:
        latest.current.onPaymentReceived?.(envelope.payload);
        break;
      case SellerEvent.TierUpgraded:
        latest.current.onTierUpgrade?.(envelope.payload);
        break;
      case SellerEvent.ReviewReceived:
        latest.current.onReview?.(envelope.payload);
        break;
      default:
        break;
    }
    setState((previous) => {
      const feed = [envelope, ...previous.feed].slice(0, FEED_LIMIT);
      switch (envelope.type) {
        case SellerEvent.AnalyticsUpdated:
          return { ...previous, feed, analytics: envelope.payload, history: [...previous.history, envelope.payload].slice(-METRICS_LIMIT) };
        case SellerEvent.OrderCreated:
          return {
            ...previous,
            feed,
            orders: [envelope.payload, ...previous.orders.filter((order) => order.orderId !== envelope.payload.orderId)].slice(
              0,
              ORDERS_LIMIT,
            ),
          };
        case OrderEvent.StatusChanged: {
          const { orderId, to } = envelope.payload;
          return {
            ...previous,
            feed,
            orders: previous.orders.map((order) => (order.orderId === orderId ? { ...order, status: to } : order)),
          };
        }
        case NotificationEvent.Created:
          return { ...previous, feed, notifications: [envelope.payload, ...previous.notifications].slice(0, FEED_LIMIT) };
        default:
          return { ...previous, feed };
      }
    });
  });
  return state;
}

export type FamilyPurchase = EventPayload<typeof FamilyEvent.ShopPurchase>;

/** Purchases made with one family's wallet while mounted, newest first. */
export function useFamilyPurchases(familyId: string | undefined): readonly FamilyPurchase[] {
  const [purchases, setPurchases] = useState<FamilyPurchase[]>([]);
  useEffect(() => setPurchases([]), [familyId]);
  useEvent(FamilyEvent.ShopPurchase, (payload) => {
    if (payload.familyId === familyId) setPurchases((previous) => [payload, ...previous].slice(0, FEED_LIMIT));
  });
  return purchases;
}
