import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { CountedHistogram } from './counted-histogram.js';
import { Metrics } from './metrics.service.js';

const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// On a bound, past the last one, zero, and in between: every branch of the bucket search.
const observations: [string, number][] = [
  ['a', 0],
  ['a', 0.005],
  ['a', 0.0051],
  ['b', 0.3],
  ['a', 11],
  ['b', 10],
  ['b', 0.07],
  ['a', 0.07],
];

function both() {
  const reference = new Registry();
  const counted = new Registry();
  const config = { name: 'lag_seconds', help: 'Lag.', labelNames: ['organization'] as const, buckets };
  const plain = new Histogram({ ...config, registers: [reference] });
  const fast = new CountedHistogram({ ...config, labelsOf: (organization) => ({ organization }), registers: [counted] });
  for (const [organization, value] of observations) {
    plain.observe({ organization }, value);
    fast.record(organization, value);
  }
  return { reference, counted, fast };
}

describe(CountedHistogram.name, () => {
  it("exports, as text and as JSON, exactly what prom-client's Histogram exports for the same observations", async () => {
    const { reference, counted } = both();
    expect(await counted.metrics()).toBe(await reference.metrics());
    expect(await counted.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
    expect(await counted.metrics()).toContain('lag_seconds_bucket{le="0.005",organization="a"} 2');
  });

  it('keeps one series per key and forgets them all on reset', async () => {
    const { counted, fast } = both();
    expect((await counted.metrics()).match(/lag_seconds_count/g)).toHaveLength(2);
    fast.reset();
    expect(await counted.metrics()).not.toContain('lag_seconds_bucket');
  });
});

describe(`${Metrics.name} on the delivery path`, () => {
  it('reports delivered events by type and the delivery lag by scope, never by tenant, and counts on between scrapes', async () => {
    const metrics = new Metrics();
    const now = Date.parse('2026-11-22T10:00:00.000Z');
    metrics.delivered('invoice.created', '2026-11-22T09:59:59.980Z', ['org:o1'], now);
    metrics.delivered('invoice.created', '2026-11-22T09:59:59.700Z', ['org:o1', 'user:u1'], now);
    metrics.delivered('invoice.paid', '2026-11-22T10:00:00.000Z', ['user:u1'], now);
    metrics.delivered('shop.item_added', '2026-11-22T10:00:00.000Z', ['*'], now);
    const first = await metrics.registry.metrics();
    expect(first).toContain('operate_events_delivered_total{type="invoice.created"} 2');
    expect(first).toContain('operate_events_delivered_total{type="invoice.paid"} 1');
    expect(first).toContain('operate_delivery_lag_seconds_bucket{le="0.025",scope="organization"} 1');
    expect(first).toContain('operate_delivery_lag_seconds_bucket{le="0.5",scope="organization"} 2');
    expect(first).toContain('operate_delivery_lag_seconds_count{scope="organization"} 2');
    expect(first).toContain('operate_delivery_lag_seconds_count{scope="user"} 1');
    expect(first).toContain('operate_delivery_lag_seconds_count{scope="broadcast"} 1');
    expect(first).not.toMatch(/o1|u1/);

    // A thousand tenants add no series: the label set is the handful of scopes.
    for (let index = 0; index < 1_000; index++) metrics.delivered('invoice.created', '2026-11-22T10:00:00.000Z', [`org:o${index}`], now);
    const second = await metrics.registry.metrics();
    // Scraping twice never counts an event twice.
    expect(second).toContain('operate_events_delivered_total{type="invoice.created"} 1002');
    expect(second).toContain('operate_events_delivered_total{type="invoice.paid"} 1');
    expect(second).toContain('operate_delivery_lag_seconds_count{scope="organization"} 1002');
    expect(second.match(/^operate_delivery_lag_seconds_count/gm)).toHaveLength(3);
  });
});
