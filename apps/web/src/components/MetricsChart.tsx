import type { SellerAnalytics, SellerDay } from '@operate/shared';

/** The days from `GET /sellers/me/analytics`, with today's figures replaced by the latest live ones. */
export function withLiveToday(days: readonly SellerDay[], live: SellerAnalytics | null): SellerDay[] {
  const last = days.at(-1);
  if (!live || !last) return [...days];
  if (live.date !== last.date)
    return [...days.slice(1), { date: live.date, orders: live.ordersToday, revenue: live.revenueToday, averageRating: null }];
  return [...days.slice(0, -1), { ...last, orders: live.ordersToday, revenue: live.revenueToday }];
}

/** Revenue per day over the last days, today live (a dependency-free SVG: one bar a day). */
export function MetricsChart({ days, currency }: { days: readonly SellerDay[]; currency: string }) {
  if (days.length === 0) return <p className="empty">No days to show yet.</p>;
  const width = 320;
  const height = 100;
  const values = days.map((day) => Number(day.revenue));
  const max = Math.max(...values, 1);
  const slot = width / days.length;
  const total = values.reduce((sum, value) => sum + value, 0);
  const orders = days.reduce((sum, day) => sum + day.orders, 0);
  const today = days.at(-1)!;
  return (
    <figure className="chart" data-testid="metrics-chart" data-days={days.length}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Revenue per day over the last ${days.length} days`}>
        {days.map((day, index) => {
          const barHeight = (Number(day.revenue) / max) * (height - 8);
          return (
            <rect
              key={day.date}
              x={index * slot + 1}
              y={height - barHeight - 2}
              width={Math.max(slot - 2, 1)}
              height={Math.max(barHeight, 1)}
            >
              <title>
                {day.date}: {day.revenue} {currency}, {day.orders} orders
              </title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="muted small">
        Last {days.length} days: {total.toFixed(2)} {currency} · {orders} orders · today {today.revenue} {currency}, {today.orders} orders
      </figcaption>
    </figure>
  );
}
