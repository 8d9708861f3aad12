import { describe, expect, it } from '@jest/globals';
import type { SellerAnalytics, SellerDay } from '@operate/shared';
import { withLiveToday } from './MetricsChart';

const day = (date: string, orders: number, revenue: string): SellerDay => ({ date, orders, revenue, averageRating: null });
const live = (date: string, ordersToday: number, revenueToday: string): SellerAnalytics => ({
  sellerId: '00000000-0000-4000-8000-000000000001',
  date,
  ordersToday,
  revenueToday,
  currency: 'EUR',
  averageRating: null,
  reviewCount: 0,
  computedAt: `${date}T12:00:00.000Z`,
});

describe('the seller chart: history, today live', () => {
  const history = [day('2026-11-23', 1, '5.00'), day('2026-11-24', 0, '0.00'), day('2026-11-25', 2, '20.00')];

  it('opens with the history as fetched', () => {
    expect(withLiveToday(history, null)).toEqual(history);
  });

  it("replaces today's figures with the live ones", () => {
    expect(withLiveToday(history, live('2026-11-25', 3, '35.00')).at(-1)).toEqual(day('2026-11-25', 3, '35.00'));
    expect(withLiveToday(history, live('2026-11-25', 3, '35.00'))).toHaveLength(3);
  });

  it('moves the window on when the day turns while the page is open', () => {
    const moved = withLiveToday(history, live('2026-11-26', 1, '9.00'));
    expect(moved.map((entry) => entry.date)).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
  });
});
