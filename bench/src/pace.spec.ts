import { describe, expect, it } from '@jest/globals';
import { pace } from './pace.js';

describe(pace.name, () => {
  it('offers the rate over the duration, each tick’s items at one time taken before the first of them is sent', async () => {
    const ticks: { count: number; offeredAt: number; sentAt: number }[] = [];
    const sent = await pace(
      2_000,
      (count, offeredAt) => {
        ticks.push({ count, offeredAt: offeredAt.getTime(), sentAt: Date.now() });
        // A server busy sending the tick's items: the next tick's offer time is not moved by it.
        const busyUntil = Date.now() + 3;
        while (Date.now() < busyUntil);
      },
      100,
    ).done;
    expect(sent).toBe(200);
    expect(ticks.reduce((sum, tick) => sum + tick.count, 0)).toBe(200);
    for (const [index, tick] of ticks.entries()) {
      expect(tick.offeredAt).toBeLessThanOrEqual(tick.sentAt);
      if (index > 0) expect(tick.offeredAt).toBeGreaterThanOrEqual(ticks[index - 1]!.sentAt);
    }
  });
});
