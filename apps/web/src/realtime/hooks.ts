'use client';

import {
  EscrowEvent,
  OrderEvent,
  SellerEvent,
  FamilyEvent,
  Topic,
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

const sellerEvents = [...Object.values(SellerEvent), OrderEvent.StatusChanged];
type SellerFeedEvent = (typeof sellerEvents)[number];
const FEED_LIMIT = 50;
const METRICS_LIMIT = 60;

export interface SellerRealTime {
  /** The latest figures pushed by the server (null until the first `seller.analytics_updated`). */
  readonly analytics: SellerAnalytics | null;
  /** Figures over time, oldest first (for the chart). */
  readonly history: readonly SellerAnalytics[];
  /** The seller's recent events, newest first. */
  readonly feed: readonly EnvelopeOf<SellerFeedEvent>[];
}

export function useSellerRealTime(): SellerRealTime {
  const [state, setState] = useState<SellerRealTime>({ analytics: null, history: [], feed: [] });
  useEvents(sellerEvents, (envelope) => {
    setState((previous) => {
      const feed = [envelope, ...previous.feed].slice(0, FEED_LIMIT);
      if (envelope.type !== SellerEvent.AnalyticsUpdated) return { ...previous, feed };
      const analytics = envelope.payload;
      return { analytics, history: [...previous.history, analytics].slice(-METRICS_LIMIT), feed };
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
