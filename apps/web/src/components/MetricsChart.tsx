import type { SellerAnalytics } from '@operate/shared';

/** Orders today over time, as pushed by `seller.analytics_updated` (a dependency-free SVG line). */
export function MetricsChart({ history }: { history: readonly SellerAnalytics[] }) {
  if (history.length === 0) return <p className="empty">The chart fills as orders come in.</p>;
  const width = 320;
  const height = 100;
  const values = history.map((point) => Number(point.revenueToday));
  const max = Math.max(...values, 1);
  const step = history.length > 1 ? width / (history.length - 1) : 0;
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(height - (value / max) * (height - 8) - 4).toFixed(1)}`);
  const last = history.at(-1);
  return (
    <figure className="chart" data-testid="metrics-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Revenue today over time">
        <polyline fill="none" stroke="currentColor" strokeWidth="2" points={points.join(' ')} />
        {points.map((point, index) => {
          const [x, y] = point.split(',');
          return <circle key={index} cx={x} cy={y} r="3" />;
        })}
      </svg>
      <figcaption className="muted small">
        Revenue today: {last?.revenueToday} {last?.currency} · {last?.ordersToday} orders
      </figcaption>
    </figure>
  );
}
