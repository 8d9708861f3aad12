import { afterEach, describe, expect, it } from '@jest/globals';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { act, cleanup, render, renderHook } from '@testing-library/react';
import {
  ClientCommand,
  EscrowEvent,
  FamilyEvent,
  InvoiceEvent,
  ListingStatus,
  MarketplaceEvent,
  NotificationEvent,
  OrderEvent,
  OrderStatus,
  PresenceEvent,
  ProtocolEvent,
  SellerEvent,
  type EventPayload,
  type ListingSummary,
  type OrderSummary,
  type PresenceView,
} from '@operate/shared';
import { RealtimeClient } from '@operate/shared/client';
import { FakeRealtimeSocket, sampleInvoice as invoice } from '@operate/shared/client/testing';
import { useState, type ReactNode } from 'react';
import { queryKeys } from '@/lib/query-keys';
import { useEscrowUpdates, useEvent, useFamilyPurchases, useMarketplaceEvents, useSellerRealTime, useWebSocket } from './hooks';
import { RealtimeProvider } from './RealtimeProvider';

const ESCROW = '0b5b8e1c-6f51-4b7a-9d0e-1a2b3c4d5e6f';
const OTHER_ESCROW = '1c6c9f2d-7a62-4c8b-8e1f-2b3c4d5e6f70';
const FAMILY = '4f9f2c50-ad95-4fb0-9b42-5e6f708192a3';

function purchase(familyId: string, purchaseId: string): EventPayload<typeof FamilyEvent.ShopPurchase> {
  return {
    familyId,
    purchaseId,
    purchaserId: '5a0a3d61-be06-4c01-8c53-6f708192a3b4',
    purchaserUsername: 'alice',
    itemId: '6b1b4e72-cf17-4d12-9d64-708192a3b4c5',
    itemType: 'THEME',
    itemName: 'Aurora',
    price: 100,
    newBalance: 900,
    purchasedAt: '2026-11-22T10:00:00.000Z',
  };
}

function setup() {
  const fake = FakeRealtimeSocket.factory();
  const client = new RealtimeClient({
    url: 'http://127.0.0.1:1',
    getToken: () => Promise.resolve('token'),
    createSocket: fake.create,
    heartbeat: { intervalMs: 3_600_000, timeoutMs: 1_000 },
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>
      <RealtimeProvider client={client}>{children}</RealtimeProvider>
    </QueryClientProvider>
  );
  const socket = () => fake.socket();
  /** The server accepts the handshake and sends `connected` (with the previous cursor when resuming). */
  const goLive = async (cursor = 0) => {
    await act(async () => {
      await socket().accept();
      socket().sendConnected({ cursor });
    });
  };
  const deliver: FakeRealtimeSocket['deliver'] = (event, payload, options) => {
    let envelope!: ReturnType<FakeRealtimeSocket['deliver']>;
    act(() => {
      envelope = socket().deliver(event, payload, options);
    });
    return envelope as never;
  };
  return { client, queryClient, wrapper, socket, goLive, deliver };
}

afterEach(() => cleanup());

describe('useEvent', () => {
  it('calls the latest handler (no stale closure) and stops after unmount', async () => {
    const t = setup();
    const calls: string[] = [];
    function Listener({ label }: { label: string }) {
      useEvent(InvoiceEvent.Created, (p) => calls.push(`${label}:${p.invoiceNumber}`));
      return null;
    }
    const view = render(<Listener label="first" />, { wrapper: t.wrapper });
    await t.goLive();
    t.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
    view.rerender(<Listener label="second" />);
    t.deliver(InvoiceEvent.Created, invoice('INV-2'), { cursor: 2 });
    view.rerender(<></>);
    t.deliver(InvoiceEvent.Created, invoice('INV-3'), { cursor: 3 });
    expect(calls).toEqual(['first:INV-1', 'second:INV-2']);
  });

  it('leaves exactly one handler after repeated remounts', async () => {
    const t = setup();
    const calls: string[] = [];
    function Listener() {
      useEvent(InvoiceEvent.Created, (p) => calls.push(p.invoiceNumber));
      return null;
    }
    function Toggle({ show }: { show: boolean }) {
      return show ? <Listener /> : null;
    }
    const view = render(<Toggle show />, { wrapper: t.wrapper });
    await t.goLive();
    for (let i = 0; i < 5; i += 1) {
      view.rerender(<Toggle show={false} />);
      view.rerender(<Toggle show />);
    }
    t.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
    expect(calls).toEqual(['INV-1']);
  });
});

describe('useWebSocket', () => {
  it('reports the status and `connected` only when Live', async () => {
    const t = setup();
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper });
    expect(result.current).toMatchObject({ status: 'connecting', connected: false });
    await act(async () => {
      await t.socket().accept();
    });
    expect(result.current).toMatchObject({ status: 'catching-up', connected: false });
    act(() => t.socket().sendConnected({ cursor: 0 }));
    expect(result.current).toMatchObject({ status: 'live', connected: true });
    act(() => t.socket().drop());
    expect(result.current).toMatchObject({ status: 'offline', connected: false });
  });

  it('subscribes with a typed handler and returns the unsubscribe', async () => {
    const t = setup();
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper });
    await t.goLive();
    const numbers: string[] = [];
    const off = result.current.subscribe(InvoiceEvent.Created, (payload) => numbers.push(payload.invoiceNumber));
    t.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
    off();
    t.deliver(InvoiceEvent.Created, invoice('INV-2'), { cursor: 2 });
    expect(numbers).toEqual(['INV-1']);
  });
});

describe('useEscrowUpdates', () => {
  it('holds the escrow subscription while mounted, passes only that escrow on, and lets go on unmount', async () => {
    const t = setup();
    const seen: string[] = [];
    function Escrow() {
      useEscrowUpdates(ESCROW, (envelope) => seen.push(`${envelope.type}:${envelope.payload.escrowId}`));
      return null;
    }
    const view = render(<Escrow />, { wrapper: t.wrapper });
    await act(async () => {
      expect((await t.socket().accept()).subscriptions).toEqual([{ topic: 'escrow', escrowId: ESCROW }]);
      t.socket().sendConnected({ cursor: 0 });
    });
    const changed = { from: 'INITIATED', to: 'HELD', changedAt: '2026-11-22T10:00:00.000Z' } as const;
    t.deliver(EscrowEvent.StatusChanged, { escrowId: ESCROW, ...changed }, { cursor: 1 });
    t.deliver(EscrowEvent.StatusChanged, { escrowId: OTHER_ESCROW, ...changed }, { cursor: 2 });
    view.rerender(<></>);
    t.deliver(EscrowEvent.StatusChanged, { escrowId: ESCROW, ...changed }, { cursor: 3 });
    expect(seen).toEqual([`${EscrowEvent.StatusChanged}:${ESCROW}`]);
    expect(
      t
        .socket()
        .commands(ClientCommand.Unsubscribe)
        .map((packet) => packet.request),
    ).toEqual([{ topic: 'escrow', escrowId: ESCROW }]);
  });
});

describe('useFamilyPurchases', () => {
  it("lists only the given family's purchases, newest first", async () => {
    const t = setup();
    const { result } = renderHook(() => useFamilyPurchases(FAMILY), { wrapper: t.wrapper });
    await t.goLive();
    t.deliver(FamilyEvent.ShopPurchase, purchase(FAMILY, '7c2c5f83-d028-4e23-8e75-8192a3b4c5d6'), { cursor: 1 });
    t.deliver(FamilyEvent.ShopPurchase, purchase(OTHER_ESCROW, '8d3d6094-e139-4f34-9f86-92a3b4c5d6e7'), { cursor: 2 });
    t.deliver(FamilyEvent.ShopPurchase, purchase(FAMILY, '9e4e71a5-f24a-4045-8097-a3b4c5d6e7f8'), { cursor: 3 });
    expect(result.current.map((p) => p.purchaseId)).toEqual([
      '9e4e71a5-f24a-4045-8097-a3b4c5d6e7f8',
      '7c2c5f83-d028-4e23-8e75-8192a3b4c5d6',
    ]);
  });
});

describe('cache invalidation', () => {
  function useInvoices(fetches: { count: number }) {
    return useQuery({
      queryKey: queryKeys.invoices,
      queryFn: () => {
        fetches.count += 1;
        return Promise.resolve(fetches.count);
      },
    });
  }

  it('refetches once for a burst of events it cannot apply itself', async () => {
    const t = setup();
    const fetches = { count: 0 };
    const { result } = renderHook(
      () =>
        useQuery({
          queryKey: queryKeys.families,
          queryFn: () => {
            fetches.count += 1;
            return Promise.resolve(fetches.count);
          },
        }),
      { wrapper: t.wrapper },
    );
    await act(async () => {
      await t.socket().accept();
      // Resuming: no full refetch on connect.
      t.socket().deliver(ProtocolEvent.Resumed, { cursor: 0, replayed: 0 });
    });
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(fetches.count).toBe(1);
    await act(async () => {
      // A membership change does not carry the family's members: the list is fetched again, once for the burst.
      for (let i = 1; i <= 25; i += 1)
        t.socket().deliver(
          FamilyEvent.MemberChanged,
          {
            familyId: '9e4e71a5-f24a-4045-8097-a3b4c5d6e7f8',
            familyName: 'The Smiths',
            change: 'added',
            userId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            name: `Member ${i}`,
            role: 'VIEWER',
            byId: '7c2c5f83-d028-4e23-8e75-8192a3b4c5d6',
            at: invoice('INV').updatedAt,
          },
          { cursor: i },
        );
      // The refetch waits 50 ms plus up to 250 ms of jitter.
      await new Promise((resolve) => setTimeout(resolve, 400));
    });
    expect(fetches.count).toBe(2);
    expect(result.current.data).toBe(2);
  });

  it('patches a new invoice into the cached first page without any request', async () => {
    const t = setup();
    const fetches = { count: 0 };
    const params = { page: 1, pageSize: 50 };
    const { result } = renderHook(
      () =>
        useQuery({
          queryKey: queryKeys.invoiceList(params),
          queryFn: () => {
            fetches.count += 1;
            return Promise.resolve({ items: [invoice('INV-1')], page: 1, pageSize: 50, total: 1 });
          },
        }),
      { wrapper: t.wrapper },
    );
    await act(async () => {
      await t.socket().accept();
      t.socket().deliver(ProtocolEvent.Resumed, { cursor: 0, replayed: 0 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const created = { ...invoice('INV-2'), invoiceId: '7c2c5f83-d028-4e23-8e75-8192a3b4c5d6', updatedAt: '2026-11-23T00:00:00.000Z' };
    await act(async () => {
      t.socket().deliver(InvoiceEvent.Created, created, { cursor: 1 });
      await new Promise((resolve) => setTimeout(resolve, 150));
    });
    expect(result.current.data?.items.map((item) => item.invoiceNumber)).toEqual(['INV-2', 'INV-1']);
    expect(result.current.data?.total).toBe(2);
    expect(fetches.count).toBe(1);
  });

  it('refetches everything on reset', async () => {
    const t = setup();
    const fetches = { count: 0 };
    renderHook(() => useInvoices(fetches), { wrapper: t.wrapper });
    await act(async () => {
      await t.socket().accept();
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    expect(fetches.count).toBe(1);
    await act(async () => {
      t.socket().deliver(ProtocolEvent.Reset, { cursor: 40, reason: 'too_far_behind' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    expect(fetches.count).toBe(2);
  });

  it('counts each event once under StrictMode (effects run twice, subscriptions do not double)', async () => {
    const t = setup();
    function Counter() {
      const [count, setCount] = useState(0);
      useEvent(InvoiceEvent.Created, () => setCount((c) => c + 1));
      return <output data-testid="count">{count}</output>;
    }
    const view = render(<Counter />, {
      wrapper: ({ children }) => (
        <t.wrapper>
          <>{children}</>
        </t.wrapper>
      ),
      reactStrictMode: true,
    });
    await t.goLive();
    t.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
    t.deliver(InvoiceEvent.Created, invoice('INV-2'), { cursor: 2 });
    expect(view.getByTestId('count').textContent).toBe('2');
  });
});

const SELLER = '2d7da03e-8b73-4d9c-9f20-3c4d5e6f7081';
const BUYER = '3e8eb14f-9c84-4ead-8031-4d5e6f708192';
const AT = '2026-11-25T10:00:00.000Z';
const order = (orderId: string): OrderSummary => ({
  orderId,
  listingId: '5a0a3d61-be06-4c01-8c53-6f708192a3b4',
  listingTitle: 'Walnut shelf',
  sellerId: SELLER,
  buyerId: BUYER,
  quantity: 1,
  amount: '40.00',
  currency: 'EUR',
  status: OrderStatus.Pending,
  paymentReference: `pay_ord_${orderId.slice(0, 8)}`,
  transactionReference: null,
  createdAt: AT,
  updatedAt: AT,
});
const listing = (
  listingId: string,
  title: string,
  status: ListingSummary['status'] = ListingStatus.Active,
  quantity = 2,
): ListingSummary => ({
  listingId,
  sellerId: SELLER,
  sellerName: 'B Furniture',
  sellerTier: 'BRONZE',
  title,
  price: '10.00',
  currency: 'EUR',
  quantity,
  status,
  updatedAt: AT,
});

describe('presence as deltas', () => {
  const ALICE = '5a0a3d61-be06-4c01-8c53-6f708192a3b4';
  const BOB = '6b1b4e72-cf17-4d12-9d64-708192a3b4c5';

  it('applies who came and went to the cached list: no GET /presence after the first, until a reset', async () => {
    const t = setup();
    const fetches = { count: 0 };
    const { result } = renderHook(
      () =>
        useQuery({
          queryKey: queryKeys.presence,
          queryFn: (): Promise<PresenceView> => {
            fetches.count += 1;
            return Promise.resolve({ online: [{ userId: ALICE, connections: 2 }] });
          },
        }),
      { wrapper: t.wrapper },
    );
    await act(async () => {
      await t.socket().accept();
      t.socket().deliver(ProtocolEvent.Resumed, { cursor: 0, replayed: 0 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    expect(fetches.count).toBe(1);
    await act(async () => {
      t.socket().deliver(PresenceEvent.Changed, { changes: [{ userId: BOB, online: true }] }, { cursor: 1 });
      // A repeat changes nothing.
      t.socket().deliver(PresenceEvent.Changed, { changes: [{ userId: BOB, online: true }] }, { cursor: 2 });
      t.socket().deliver(PresenceEvent.Changed, { changes: [{ userId: ALICE, online: false }] }, { cursor: 3 });
      await new Promise((resolve) => setTimeout(resolve, 150));
    });
    expect(result.current.data?.online.map((person) => person.userId)).toEqual([BOB]);
    expect(fetches.count).toBe(1);
    await act(async () => {
      t.socket().deliver(ProtocolEvent.Reset, { cursor: 40, reason: 'too_far_behind' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    expect(fetches.count).toBe(2);
  });
});

describe('useSellerRealTime', () => {
  it('calls the latest callbacks and keeps recent orders (status live) and notifications', async () => {
    const t = setup();
    const calls: string[] = [];
    const { result, rerender } = renderHook(
      ({ label }: { label: string }) =>
        useSellerRealTime({
          onNewOrder: (placed) => calls.push(`${label}:order:${placed.listingTitle}`),
          onPaymentReceived: (payment) => calls.push(`${label}:paid:${payment.amount}`),
          onTierUpgrade: (upgrade) => calls.push(`${label}:tier:${upgrade.tier}`),
          onReview: (review) => calls.push(`${label}:review:${review.rating}`),
        }),
      { wrapper: t.wrapper, initialProps: { label: 'first' } },
    );
    await t.goLive();
    const orderId = '6b1b4e72-cf17-4d12-9d64-708192a3b4c5';
    t.deliver(SellerEvent.OrderCreated, order(orderId), { cursor: 1 });
    rerender({ label: 'second' });
    t.deliver(
      SellerEvent.PaymentReceived,
      { orderId, sellerId: SELLER, buyerId: BUYER, amount: '40.00', currency: 'EUR', transactionReference: 'txn_1', paidAt: AT },
      { cursor: 2 },
    );
    t.deliver(
      OrderEvent.StatusChanged,
      {
        orderId,
        sellerId: SELLER,
        buyerId: BUYER,
        from: OrderStatus.Pending,
        to: OrderStatus.Paid,
        transactionReference: 'txn_1',
        changedAt: AT,
      },
      { cursor: 3 },
    );
    t.deliver(
      SellerEvent.TierUpgraded,
      {
        sellerId: SELLER,
        previousTier: 'BRONZE',
        tier: 'SILVER',
        benefits: { commissionRate: '0.080', maxActiveListings: 25, payoutDays: 5, featuredListings: false },
        completedSalesVolume: '1000.00',
        currency: 'EUR',
        upgradedAt: AT,
      },
      { cursor: 4 },
    );
    t.deliver(
      SellerEvent.ReviewReceived,
      {
        reviewId: '7c2c5f83-d028-4e23-8e75-8192a3b4c5d6',
        orderId,
        sellerId: SELLER,
        buyerId: BUYER,
        rating: 5,
        comment: null,
        createdAt: AT,
      },
      { cursor: 5 },
    );
    t.deliver(
      NotificationEvent.Created,
      {
        notificationId: '8d3d6094-e139-4f34-9f86-92a3b4c5d6e7',
        title: 'New order',
        message: 'Walnut shelf',
        type: 'info',
        priority: 'normal',
        userId: SELLER,
        createdAt: AT,
      },
      { cursor: 6 },
    );
    expect(calls).toEqual(['first:order:Walnut shelf', 'second:paid:40.00', 'second:tier:SILVER', 'second:review:5']);
    expect(result.current.orders.map((placed) => [placed.orderId, placed.status])).toEqual([[orderId, OrderStatus.Paid]]);
    expect(result.current.notifications.map((notification) => notification.title)).toEqual(['New order']);
    expect(result.current.feed).toHaveLength(6);
  });
});

describe('useMarketplaceEvents', () => {
  it('holds the marketplace and keeps listings and sales live from the initial page', async () => {
    const t = setup();
    const shelf = listing('9e4e71a5-f24a-4045-8097-a3b4c5d6e7f8', 'Shelf');
    const stool = listing('af5f82b6-035b-4156-91a8-b4c5d6e7f809', 'Stool');
    const initial = [shelf];
    const { result } = renderHook(() => useMarketplaceEvents(initial), { wrapper: t.wrapper });
    await act(async () => {
      expect((await t.socket().accept()).subscriptions).toEqual([{ topic: 'marketplace' }]);
      t.socket().sendConnected({ cursor: 0 });
    });
    expect(result.current.listings.map((item) => item.title)).toEqual(['Shelf']);
    t.deliver(MarketplaceEvent.ListingCreated, stool, { cursor: 1 });
    t.deliver(MarketplaceEvent.ListingUpdated, { ...shelf, price: '12.00' }, { cursor: 2 });
    expect(result.current.listings.map((item) => [item.title, item.price])).toEqual([
      ['Stool', '10.00'],
      ['Shelf', '12.00'],
    ]);
    t.deliver(MarketplaceEvent.ListingSold, { ...stool, quantity: 0, status: ListingStatus.Sold }, { cursor: 3 });
    t.deliver(MarketplaceEvent.ListingCancelled, { ...shelf, status: ListingStatus.Cancelled }, { cursor: 4 });
    expect(result.current.listings).toEqual([]);
    expect(result.current.sales.map((item) => item.title)).toEqual(['Stool']);
  });
});
